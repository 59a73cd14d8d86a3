// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The shapes, by runtime and cgroup driver (systemd | cgroupfs):
 *   systemd units      /system.slice/nginx.service, .../user@1000.service/app.slice/x.service
 *   docker             /system.slice/docker-<id>.scope | /docker/<id>
 *   podman             /machine.slice/libpod-<id>.scope[/container] | /libpod_parent/libpod-<id>
 *   containerd (CRI)   /kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid>.slice/
 *                      cri-containerd-<id>.scope | /kubepods/<qos>/pod<uid>/<id>
 *   cri-o              .../crio-<id>.scope | /kubepods/<qos>/pod<uid>/crio-<id>
 *   nerdctl            /system.slice/nerdctl-<id>.scope
 * where <id> is 64 hex digits and <uid> a pod's uid (with '_' for '-' in
 * systemd slice names); guaranteed pods sit right under kubepods. The
 * conmon scopes of podman and cri-o (libpod-conmon-<id>, crio-conmon-<id>)
 * hold the monitor, not the container, and name none.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "cgroup_path.h"

#define HEX_ID_LEN 64

struct runtime_prefix {
	const char *prefix;  /* before the id */
	const char *runtime;
};

/* Longest first where one prefix begins another. */
static const struct runtime_prefix prefixes[] = {
	{ "cri-containerd-", "containerd" },
	{ "nerdctl-", "containerd" },
	{ "docker-", "docker" },
	{ "crio-", "cri-o" },
	{ "libpod-", "podman" },
};

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* A 64-hex id making up all of s up to an optional suffix. */
static bool id_with_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s);

	if (suffix && ends_with(s, suffix))
		n -= strlen(suffix);
	return n == HEX_ID_LEN && is_hex(s, n);
}

/* "<prefix><id>.scope" or "<prefix><id>": its runtime, or NULL. */
static const char *runtime_of(const char *comp, const char **id)
{
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i].prefix);

		if (strncmp(comp, prefixes[i].prefix, pl) || !id_with_suffix(comp + pl, ".scope"))
			continue;
		*id = comp + pl;
		return prefixes[i].runtime;
	}
	return NULL;
}

static void set_container(struct cg_names *n, const char *runtime, const char *id)
{
	snprintf(n->runtime, sizeof(n->runtime), "%s", runtime);
	snprintf(n->container_id, sizeof(n->container_id), "%.*s", HEX_ID_LEN, id);
}

/* A pod uid, systemd's '_' read as '-': 8-4-4-4-12 hex, or 32 hex (static pods). */
static bool pod_uid_parse(const char *s, size_t len, char *out)
{
	static const int dash[] = { 8, 13, 18, 23 };
	char u[CG_POD_UID_LEN];

	if (len == 32 && is_hex(s, len)) {
		snprintf(out, CG_POD_UID_LEN, "%.32s", s);
		return true;
	}
	if (len != 36)
		return false;
	for (size_t i = 0; i < len; i++)
		u[i] = s[i] == '_' ? '-' : s[i];
	u[len] = 0;
	for (size_t i = 0, d = 0; i < len; i++) {
		if (d < 4 && (int)i == dash[d]) {
			if (u[i] != '-')
				return false;
			d++;
		} else if (!is_hex(u + i, 1)) {
			return false;
		}
	}
	memcpy(out, u, len + 1);
	return true;
}

static bool is_qos(const char *s, size_t len)
{
	return (len == 9 && !strncmp(s, "burstable", 9)) || (len == 10 && !strncmp(s, "besteffort", 10));
}

/*
 * A Kubernetes component: "kubepods" (cgroupfs) or a slice with a word
 * "kubepods" ("kubepods-burstable-pod<uid>.slice", kind's
 * "kubelet-kubepods.slice"), then the QoS class and the pod.
 */
struct kube_walk {
	bool in;       /* under kubepods */
	bool pod;      /* the pod's component seen: the next one is a container */
	bool slices;   /* systemd driver */
};

static void kube_cgroupfs(struct kube_walk *k, struct cg_names *n, const char *comp)
{
	size_t len = strlen(comp);

	if (is_qos(comp, len) && !n->qos[0] && !k->pod)
		snprintf(n->qos, sizeof(n->qos), "%s", comp);
	else if (!k->pod && !strncmp(comp, "pod", 3) && pod_uid_parse(comp + 3, len - 3, n->pod_uid))
		k->pod = true;
}

static void kube_slice(struct kube_walk *k, struct cg_names *n, const char *comp)
{
	size_t len = strlen(comp) - strlen(".slice");
	const char *w = comp, *end = comp + len;

	/* the words after "kubepods": [qos] [pod<uid>] */
	while (w < end) {
		const char *dash = memchr(w, '-', end - w);
		size_t wl = (dash ? dash : end) - w;

		if (wl == 8 && !strncmp(w, "kubepods", 8)) {
			k->in = k->slices = true;
		} else if (k->in && is_qos(w, wl) && !n->qos[0]) {
			snprintf(n->qos, sizeof(n->qos), "%.*s", (int)wl, w);
		} else if (k->in && !k->pod && !dash && wl > 3 && !strncmp(w, "pod", 3) &&
			   pod_uid_parse(w + 3, wl - 3, n->pod_uid)) {
			k->pod = true;
		}
		w += wl + (dash ? 1 : 0);
	}
}

/* Where the container's id is: after the pod, under docker/ or libpod_parent/, or a scope. */
static void container_of(struct cg_names *n, const struct kube_walk *k, const char *prev,
			 const char *comp)
{
	const char *id = NULL, *rt = runtime_of(comp, &id);

	if (rt) {
		set_container(n, rt, id);
	} else if (k->pod && !k->slices && id_with_suffix(comp, NULL)) {
		set_container(n, "", comp); /* the cgroupfs driver names no runtime */
	} else if (prev && !strcmp(prev, "docker") && id_with_suffix(comp, NULL)) {
		set_container(n, "docker", comp);
	}
}

/* A unit name systemd would accept, ending in .service or .scope. */
static bool is_unit(const char *comp)
{
	size_t len = strlen(comp);

	if (len >= CG_UNIT_LEN || (!ends_with(comp, ".service") && !ends_with(comp, ".scope")))
		return false;
	if (comp[0] == '.' || comp[0] == '@')
		return false;
	return strspn(comp, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.\\@-") ==
	       len;
}

int cgroup_path_parse(const char *path, struct cg_names *n)
{
	struct kube_walk k = {};
	char buf[CG_PATH_LEN], *save = NULL, *comp;
	const char *prev = NULL;

	memset(n, 0, sizeof(*n));
	if (!path || path[0] != '/' || strlen(path) >= CG_PATH_LEN)
		return -EINVAL;
	snprintf(n->path, sizeof(n->path), "%s", path);
	snprintf(buf, sizeof(buf), "%s", path);
	for (comp = strtok_r(buf, "/", &save); comp; prev = comp, comp = strtok_r(NULL, "/", &save)) {
		if (is_unit(comp))
			snprintf(n->unit, sizeof(n->unit), "%s", comp);
		if (!n->container_id[0])
			container_of(n, &k, prev, comp); /* the outermost: the host's view */
		if (k.pod)
			continue;
		if (ends_with(comp, ".slice"))
			kube_slice(&k, n, comp);
		else if (!strcmp(comp, "kubepods"))
			k.in = true;
		else if (k.in && !k.slices)
			kube_cgroupfs(&k, n, comp);
	}
	if (n->pod_uid[0] && !n->qos[0])
		snprintf(n->qos, sizeof(n->qos), "guaranteed");
	return 0;
}

static void fallback(char *buf, size_t len, const struct cg_names *n, uint64_t id)
{
	if (n && n->path[0])
		snprintf(buf, len, "%s", n->path);
	else if (id)
		snprintf(buf, len, "cgroup:%llu", (unsigned long long)id);
	else
		snprintf(buf, len, "-");
}

void cg_names_label(char *buf, size_t len, const struct cg_names *n, enum ww_by by, uint64_t id)
{
	if (n && by == BY_CONTAINER && n->container_id[0]) {
		if (n->container[0] && n->pod[0])
			snprintf(buf, len, "%s/%s/%s", n->pod_namespace, n->pod, n->container);
		else if (n->container[0])
			snprintf(buf, len, "%s", n->container);
		else
			snprintf(buf, len, "%.12s", n->container_id);
	} else if (n && by == BY_POD && n->pod_uid[0]) {
		if (n->pod[0])
			snprintf(buf, len, "%s/%s", n->pod_namespace, n->pod);
		else
			snprintf(buf, len, "%s", n->pod_uid);
	} else if (n && by == BY_UNIT && n->unit[0]) {
		snprintf(buf, len, "%s", n->unit);
	} else {
		fallback(buf, len, n, id);
	}
}

void cg_names_group_key(char *buf, size_t len, const struct cg_names *n, enum ww_by by)
{
	if (by == BY_CONTAINER && n->container_id[0])
		snprintf(buf, len, "c:%s", n->container_id);
	else if (by == BY_POD && n->pod_uid[0])
		snprintf(buf, len, "p:%s", n->pod_uid);
	else if (by == BY_UNIT && n->unit[0])
		snprintf(buf, len, "u:%s", n->unit);
	else
		snprintf(buf, len, "%s", n->path);
}

const char *const cg_field_names[CGF_N] = {
	[CGF_CONTAINER] = "container", [CGF_CONTAINER_ID] = "container_id",
	[CGF_RUNTIME] = "runtime",     [CGF_POD] = "pod",
	[CGF_POD_UID] = "pod_uid",     [CGF_POD_NAMESPACE] = "pod_namespace",
	[CGF_QOS] = "qos",             [CGF_UNIT] = "unit",
	[CGF_CGROUP] = "cgroup",
};

const char *cg_names_field(const struct cg_names *n, enum cg_field f, char *buf, size_t len)
{
	if (!n)
		return "";
	switch (f) {
	case CGF_CONTAINER:
		if (n->container[0] || !n->container_id[0])
			return n->container;
		snprintf(buf, len, "%.12s", n->container_id);
		return buf;
	case CGF_CONTAINER_ID:
		return n->container_id;
	case CGF_RUNTIME:
		return n->container_id[0] ? n->runtime : "";
	case CGF_POD:
		return n->pod[0] ? n->pod : n->pod_uid;
	case CGF_POD_UID:
		return n->pod_uid;
	case CGF_POD_NAMESPACE:
		return n->pod_namespace;
	case CGF_QOS:
		return n->qos;
	case CGF_UNIT:
		return n->unit;
	case CGF_CGROUP:
	case CGF_N:
		break;
	}
	return f == CGF_CGROUP ? n->path : "";
}

unsigned int cg_row_fields(enum ww_by by)
{
	const unsigned int pod = CGF_BIT(CGF_POD) | CGF_BIT(CGF_POD_UID) |
				 CGF_BIT(CGF_POD_NAMESPACE) | CGF_BIT(CGF_QOS);

	switch (by) {
	case BY_CGROUP:
		return (1u << CGF_N) - 1;
	case BY_CONTAINER:
		return CGF_BIT(CGF_CONTAINER) | CGF_BIT(CGF_CONTAINER_ID) | CGF_BIT(CGF_RUNTIME) |
		       pod | CGF_BIT(CGF_UNIT);
	case BY_POD:
		return pod;
	case BY_UNIT:
		return CGF_BIT(CGF_UNIT);
	default:
		return 0;
	}
}

int cg_labels_parse(const char *arg, unsigned int *fields, enum ww_by *group, char *err,
		    size_t errlen)
{
	static const struct {
		const char *name;
		unsigned int bits;
		enum ww_by by;
	} labels[] = {
		{ "container", CGF_BIT(CGF_CONTAINER), BY_CONTAINER },
		{ "pod", CGF_BIT(CGF_POD) | CGF_BIT(CGF_POD_NAMESPACE), BY_POD },
		{ "pod_namespace", CGF_BIT(CGF_POD) | CGF_BIT(CGF_POD_NAMESPACE), BY_POD },
		{ "unit", CGF_BIT(CGF_UNIT), BY_UNIT },
	};
	const char *p = arg;

	*fields = 0;
	*group = BY_UNIT;
	while (*p) {
		size_t len = strcspn(p, ","), i;

		for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
			if (strlen(labels[i].name) == len && !strncmp(p, labels[i].name, len))
				break;
		if (i == sizeof(labels) / sizeof(labels[0])) {
			snprintf(err, errlen, "unknown label '%.*s' (container, pod, pod_namespace, unit)",
				 (int)(len > 32 ? 32 : len), p);
			return -EINVAL;
		}
		*fields |= labels[i].bits;
		/* container is finer than pod, pod than unit: BY_CONTAINER < BY_POD < BY_UNIT */
		if (labels[i].by < *group)
			*group = labels[i].by;
		p += len + (p[len] == ',');
	}
	if (!*fields) {
		snprintf(err, errlen, "no label named (container, pod, pod_namespace, unit)");
		return -EINVAL;
	}
	return 0;
}
