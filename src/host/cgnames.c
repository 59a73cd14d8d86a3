// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>
#include "cgnames.h"

#define HASH_BITS 11 /* twice CGNAMES_MAX buckets */
#define WALK_MAX_DEPTH 16
#define WALK_MAX_DIRS 100000
#define MAX_NAMESPACES 64 /* containerd namespaces looked into */

struct entry {
	__u64 id;
	__u64 group;     /* the id standing for its group; 0 not yet known */
	__u64 used;      /* tick of the last lookup, for eviction */
	int next;        /* hash chain, -1 ends */
	bool names_read; /* the runtime was asked */
	bool found;      /* the path is known */
	struct cg_names n;
	char gkey[CG_PATH_LEN + 4];
};

static struct {
	bool init;
	enum ww_by by;
	char mount[1024];   /* where cgroup2 is mounted */
	char root[1024];    /* the mount's root inside the hierarchy, "" for "/" */
	int mnt_fd;
	int handle_type;    /* -1: file handles do not work here */
	struct entry *ents;
	int nents;
	int buckets[1 << HASH_BITS];
	__u64 tick;
	struct cgnames_stats st;
} cg = { .mnt_fd = -1 };

static unsigned int id_hash(__u64 id)
{
	return (unsigned int)((id * 0x9e3779b97f4a7c15ull) >> (64 - HASH_BITS));
}

/* mountinfo escapes blanks and backslashes as \ooo. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = 0;
}

/* The first cgroup2 mount of /proc/self/mountinfo: hybrid hosts have it anywhere. */
static void find_mount(void)
{
	char line[4096], root[1024], dir[1024];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) ||
		    sscanf(line, "%*s %*s %*s %1023s %1023s", root, dir) != 2)
			continue;
		unescape(root);
		unescape(dir);
		snprintf(cg.mount, sizeof(cg.mount), "%s", dir);
		snprintf(cg.root, sizeof(cg.root), "%s", strcmp(root, "/") ? root : "");
		break;
	}
	fclose(f);
}

/*
 * cgroup2 gives each directory a file handle holding its id: learn the
 * handle's type from the mount's root, and check that it is the inode.
 */
static void probe_handles(void)
{
	struct {
		struct file_handle fh;
		unsigned char h[MAX_HANDLE_SZ];
	} h = { .fh.handle_bytes = MAX_HANDLE_SZ };
	struct stat st;
	__u64 id;
	int mnt_id;

	cg.handle_type = -1;
	if (cg.mnt_fd < 0 || fstat(cg.mnt_fd, &st) ||
	    name_to_handle_at(cg.mnt_fd, "", &h.fh, &mnt_id, AT_EMPTY_PATH) ||
	    h.fh.handle_bytes != sizeof(id))
		return;
	memcpy(&id, h.fh.f_handle, sizeof(id));
	if (id == st.st_ino)
		cg.handle_type = h.fh.handle_type;
}

static int init(void)
{
	if (cg.init)
		return cg.ents ? 0 : -ENOMEM;
	cg.init = true;
	memset(cg.buckets, 0xff, sizeof(cg.buckets));
	cg.ents = calloc(CGNAMES_MAX, sizeof(*cg.ents));
	find_mount();
	if (cg.mount[0])
		cg.mnt_fd = open(cg.mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	probe_handles();
	return cg.ents ? 0 : -ENOMEM;
}

/* A path under the mount as the hierarchy names it: the mount's root first; false if too long. */
static bool set_path(char *out, size_t len, const char *rel)
{
	int n = snprintf(out, len, "%s%s", cg.root, rel[0] ? rel : (cg.root[0] ? "" : "/"));

	return n > 0 && (size_t)n < len;
}

/*
 * By file handle: needs CAP_DAC_READ_SEARCH; the kernel says where the
 * directory is. 1: found, 0: no such cgroup (any more), -1: ask the walk.
 */
static int path_by_handle(__u64 id, char *out, size_t len)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64), .fh.handle_type = cg.handle_type };
	char link[64], target[CG_PATH_LEN + 1024];
	size_t ml = strlen(cg.mount);
	ssize_t n;
	int fd;

	if (cg.handle_type < 0)
		return -1;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(cg.mnt_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ESTALE || errno == ENOENT ? 0 : -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlinkat(AT_FDCWD, link, target, sizeof(target) - 1); /* readlink: not in the filter */
	close(fd);
	if (n <= 0)
		return -1;
	target[n] = 0;
	if (strncmp(target, cg.mount, ml) || (target[ml] && target[ml] != '/'))
		return -1;
	return set_path(out, len, target + ml) ? 1 : 0;
}

/* Without the capability: a walk of the mount, bounded in depth and directories. */
static bool walk(int dfd, char *rel, size_t rlen, __u64 id, int depth, unsigned int *budget)
{
	struct dirent *d;
	bool found = false;
	size_t n = strlen(rel);
	DIR *dp;

	if (depth > WALK_MAX_DEPTH || !(dp = fdopendir(dfd)))
		return false;
	while (!found && *budget && (d = readdir(dp))) {
		int sub;

		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		(*budget)--;
		if (snprintf(rel + n, rlen - n, "/%s", d->d_name) >= (int)(rlen - n))
			continue;
		if (d->d_ino == id) {
			found = true;
			break;
		}
		sub = openat(dirfd(dp), d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub >= 0)
			found = walk(sub, rel, rlen, id, depth + 1, budget);
		if (!found)
			rel[n] = 0;
	}
	closedir(dp);
	return found;
}

static bool path_by_walk(__u64 id, char *out, size_t len)
{
	unsigned int budget = WALK_MAX_DIRS;
	char rel[CG_PATH_LEN] = "";
	struct stat st;
	int fd;

	if (cg.mnt_fd < 0 || fstat(cg.mnt_fd, &st))
		return false;
	if (st.st_ino == id)
		return set_path(out, len, "");
	fd = openat(cg.mnt_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !walk(fd, rel, sizeof(rel), id, 0, &budget))
		return false;
	return set_path(out, len, rel);
}

/* ---- what the runtimes keep ---------------------------------------------- */

static json_t *load_json(const char *path)
{
	json_error_t err;
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size > CGNAMES_MAX_FILE)
		return NULL;
	return json_load_file(path, JSON_REJECT_DUPLICATES, &err);
}

static const char *json_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The first of the keys an object holds as a string, into out. */
static void copy_first(char *out, size_t len, json_t *obj, const char *const *keys)
{
	for (; *keys; keys++) {
		const char *v = json_str(obj, *keys);

		if (v && v[0] && !out[0]) {
			snprintf(out, len, "%s", v);
			return;
		}
	}
}

/*
 * The annotations of an OCI bundle: what the kubelet's runtime says of the
 * pod (cri-o's keys, then containerd's CRI plugin's), nerdctl's name.
 */
static bool bundle_names(const char *bundle, struct cg_names *n)
{
	static const char *const cname[] = { "io.kubernetes.container.name",
					     "io.kubernetes.cri.container-name", "nerdctl/name",
					     NULL };
	static const char *const pod[] = { "io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name",
					   NULL };
	static const char *const ns[] = { "io.kubernetes.pod.namespace",
					  "io.kubernetes.cri.sandbox-namespace", NULL };
	char path[1200];
	json_t *j, *a;

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	j = load_json(path);
	if (!j)
		return false;
	a = json_object_get(j, "annotations");
	if (json_is_object(a)) {
		copy_first(n->container, sizeof(n->container), a, cname);
		copy_first(n->pod, sizeof(n->pod), a, pod);
		copy_first(n->pod_namespace, sizeof(n->pod_namespace), a, ns);
	}
	json_decref(j);
	return true;
}

/* containers/storage (podman, cri-o): overlay-containers/containers.json names each id. */
static void storage_name(const char *bundle, struct cg_names *n)
{
	char path[1200];
	const char *tail = "/userdata";
	size_t bl = strlen(bundle), tl = strlen(tail);
	char *slash;
	json_t *j, *c;
	size_t i;

	if (n->container[0] || bl <= tl || strcmp(bundle + bl - tl, tail) ||
	    bl - tl >= sizeof(path) - 32)
		return;
	memcpy(path, bundle, bl - tl);
	path[bl - tl] = 0;
	slash = strrchr(path, '/'); /* .../overlay-containers/<id> */
	if (!slash)
		return;
	snprintf(slash, sizeof(path) - (slash - path), "/containers.json");
	j = load_json(path);
	json_array_foreach(j, i, c) {
		const char *id = json_str(c, "id");
		json_t *names = json_object_get(c, "names");

		if (id && !strcmp(id, n->container_id) && json_string_value(json_array_get(names, 0))) {
			snprintf(n->container, sizeof(n->container), "%s",
				 json_string_value(json_array_get(names, 0)));
			break;
		}
	}
	json_decref(j);
}

/* runc's state (podman, cri-o, docker with runc): the bundle is a label. */
static bool runc_bundle(const char *id, char *out, size_t len)
{
	char path[256];
	json_t *j, *l, *lv;
	size_t i;
	bool found = false;

	snprintf(path, sizeof(path), "/run/runc/%s/state.json", id);
	j = load_json(path);
	l = json_object_get(json_object_get(j, "config"), "labels");
	json_array_foreach(l, i, lv) {
		const char *v = json_string_value(lv);

		if (v && !strncmp(v, "bundle=", 7)) {
			snprintf(out, len, "%s", v + 7);
			found = true;
			break;
		}
	}
	json_decref(j);
	return found;
}

/* containerd: a task's bundle is its namespace's directory of that id. */
static bool containerd_bundle(const char *id, char *out, size_t len)
{
	static const char base[] = "/run/containerd/io.containerd.runtime.v2.task";
	struct dirent *d;
	struct stat st;
	bool found = false;
	int seen = 0;
	DIR *dp = opendir(base);

	while (dp && !found && seen++ < MAX_NAMESPACES && (d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(out, len, "%s/%s/%s", base, d->d_name, id);
		found = !stat(out, &st) && S_ISDIR(st.st_mode);
	}
	if (dp)
		closedir(dp);
	return found;
}

/* docker's own record: config.v2.json's Name ("/web"). */
static void docker_name(struct cg_names *n)
{
	char path[256];
	const char *v;
	json_t *j;

	snprintf(path, sizeof(path), "/var/lib/docker/containers/%s/config.v2.json", n->container_id);
	j = load_json(path);
	v = json_str(j, "Name");
	if (v)
		snprintf(n->container, sizeof(n->container), "%s", v + (v[0] == '/'));
	json_decref(j);
}

static void runtime_names(struct cg_names *n)
{
	static const char *const storage[] = { "/run/containers/storage", "/var/lib/containers/storage" };
	char bundle[1024];
	bool have = containerd_bundle(n->container_id, bundle, sizeof(bundle)) ||
		    runc_bundle(n->container_id, bundle, sizeof(bundle));

	for (size_t i = 0; !have && i < 2; i++) {
		struct stat st;

		snprintf(bundle, sizeof(bundle), "%s/overlay-containers/%s/userdata/config.json",
			 storage[i], n->container_id);
		have = !stat(bundle, &st);
		bundle[strlen(bundle) - strlen("/config.json")] = 0;
	}
	if (have && bundle_names(bundle, n))
		storage_name(bundle, n);
	if (!n->container[0] && (!strcmp(n->runtime, "docker") || !n->runtime[0]))
		docker_name(n);
	if (n->container[0] || n->pod[0])
		cg.st.runtime_names++;
	else
		cg.st.runtime_none++;
}

/* ---- the cache ------------------------------------------------------------- */

static struct entry *find(__u64 id)
{
	for (int i = cg.buckets[id_hash(id)]; i >= 0; i = cg.ents[i].next)
		if (cg.ents[i].id == id)
			return &cg.ents[i];
	return NULL;
}

static void unlink_entry(struct entry *e)
{
	int *p = &cg.buckets[id_hash(e->id)];
	int idx = (int)(e - cg.ents);

	while (*p >= 0 && *p != idx)
		p = &cg.ents[*p].next;
	if (*p == idx)
		*p = e->next;
}

/* A free slot, the least recently used one's when full. */
static struct entry *slot(void)
{
	struct entry *e;

	if (cg.nents < CGNAMES_MAX)
		return &cg.ents[cg.nents++];
	e = &cg.ents[0];
	for (int i = 1; i < CGNAMES_MAX; i++)
		if (cg.ents[i].used < e->used)
			e = &cg.ents[i];
	unlink_entry(e);
	cg.st.evicted++;
	return e;
}

static struct entry *lookup(__u64 id)
{
	struct entry *e;
	char path[CG_PATH_LEN];
	unsigned int h;

	if (!id || init())
		return NULL;
	e = find(id);
	if (e) {
		e->used = ++cg.tick;
		return e;
	}
	e = slot();
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->used = ++cg.tick;
	h = id_hash(id);
	e->next = cg.buckets[h];
	cg.buckets[h] = (int)(e - cg.ents);
	switch (path_by_handle(id, path, sizeof(path))) {
	case 1:
		cg.st.by_handle++;
		break;
	case 0:
		path[0] = 0; /* gone: no walk would find it */
		break;
	default:
		if (!path_by_walk(id, path, sizeof(path)))
			path[0] = 0;
	}
	e->found = path[0] && !cgroup_path_parse(path, &e->n);
	if (e->found)
		cg.st.resolved++;
	else
		cg.st.unresolved++;
	return e;
}

/* Another cgroup of the same container read already: its names, else the runtime's. */
static void read_names(struct entry *e)
{
	e->names_read = true;
	if (!e->found || !e->n.container_id[0])
		return;
	for (int i = 0; i < cg.nents; i++) {
		const struct entry *o = &cg.ents[i];

		if (o != e && o->names_read && o->found &&
		    !strcmp(o->n.container_id, e->n.container_id)) {
			memcpy(e->n.container, o->n.container, sizeof(e->n.container));
			memcpy(e->n.pod, o->n.pod, sizeof(e->n.pod));
			memcpy(e->n.pod_namespace, o->n.pod_namespace, sizeof(e->n.pod_namespace));
			return;
		}
	}
	runtime_names(&e->n);
}

void cgnames__group_by(enum ww_by by)
{
	cg.by = by;
}

__u64 cgnames__group_of(void *ctx, __u64 cgroup_id)
{
	struct entry *e = lookup(cgroup_id);

	if (!e)
		return cgroup_id;
	if (e->group)
		return e->group;
	e->group = cgroup_id;
	if (!e->found)
		return e->group;
	cg_names_group_key(e->gkey, sizeof(e->gkey), &e->n, cg.by);
	for (int i = 0; i < cg.nents; i++) {
		const struct entry *o = &cg.ents[i];

		if (o != e && o->group && !strcmp(o->gkey, e->gkey)) {
			e->group = o->group;
			break;
		}
	}
	return e->group;
}

const struct cg_names *cgnames__get(__u64 cgroup_id)
{
	struct entry *e = lookup(cgroup_id);

	if (!e || !e->found)
		return NULL;
	if (!e->names_read)
		read_names(e);
	return &e->n;
}

const struct cg_names *cgnames__names(void *ctx, __u64 cgroup_id)
{
	return cgnames__get(cgroup_id);
}

int cgnames__of_path(const char *path, struct cg_names *out)
{
	char full[2048];
	const struct cg_names *n;
	size_t rl;
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (!path || path[0] != '/' || init())
		return -EINVAL;
	rl = strlen(cg.root);
	/* the path from the hierarchy's root; the mount shows it from its own */
	if (cg.mount[0] && !strncmp(path, cg.root, rl) && (!path[rl] || path[rl] == '/')) {
		snprintf(full, sizeof(full), "%s%s", cg.mount, path + rl);
		if (!stat(full, &st) && (n = cgnames__get(st.st_ino)) && !strcmp(n->path, path)) {
			*out = *n;
			return 0;
		}
	}
	if (cgroup_path_parse(path, out))
		return -EINVAL;
	if (out->container_id[0])
		runtime_names(out);
	return 0;
}

const char *cgnames__mount(void)
{
	init();
	return cg.mount;
}

void cgnames__stats(struct cgnames_stats *out)
{
	*out = cg.st;
}

void cgnames__free(void)
{
	if (cg.mnt_fd >= 0)
		close(cg.mnt_fd);
	free(cg.ents);
	memset(&cg, 0, sizeof(cg));
	cg.mnt_fd = -1;
}
