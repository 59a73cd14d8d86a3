/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a cgroup v2 path says about who runs in it, in the names people use:
 * the systemd unit ("nginx.service"), the container runtime and container
 * id (docker, containerd, cri-o, podman; the systemd and the cgroupfs
 * drivers), the Kubernetes pod uid and QoS class. Pure: a path in, names
 * out. A part the path does not show for certain stays empty: an unknown
 * shape gives no name rather than a wrong one, and the path is shown.
 *
 * The names a runtime keeps for a container (its name, the pod's name and
 * namespace) are not in the path: the host fills them in (host/cgnames.c).
 */
#ifndef WW_CGROUP_PATH_H
#define WW_CGROUP_PATH_H

#include <stddef.h>
#include <stdint.h>
#include "collector.h"

#define CG_PATH_LEN 512
#define CG_UNIT_LEN 128
#define CG_ID_LEN 65      /* 64 hex digits */
#define CG_POD_UID_LEN 37 /* 8-4-4-4-12, or 32 hex digits (static pods) */
#define CG_NAME_LEN 128   /* container, pod */
#define CG_NS_LEN 64      /* a namespace: at most 63 characters */

struct cg_names {
	char path[CG_PATH_LEN];        /* the cgroup v2 path, "/" the root; "" unknown */
	char unit[CG_UNIT_LEN];        /* the deepest systemd unit (.service or .scope) */
	char runtime[16];              /* "docker", "containerd", "cri-o", "podman", "" */
	char container_id[CG_ID_LEN];
	char pod_uid[CG_POD_UID_LEN];
	char qos[12];                  /* "guaranteed", "burstable", "besteffort" */
	/* from the runtime's state (host/cgnames.c), "" when it could not be read */
	char container[CG_NAME_LEN];
	char pod[CG_NAME_LEN];
	char pod_namespace[CG_NS_LEN];
};

/*
 * Parse a cgroup v2 path ("/system.slice/docker-<id>.scope", ...) into n,
 * whose other fields are cleared. Returns 0, or -EINVAL when the path is
 * not absolute or too long (n then holds nothing).
 */
int cgroup_path_parse(const char *path, struct cg_names *n);

/*
 * What a --by names a cgroup's group with: the container (its name, else
 * its id), the pod ("namespace/name", else its uid), the unit; and where
 * the cgroup has none, its path ("cgroup:<id>" when even that is unknown).
 */
void cg_names_label(char *buf, size_t len, const struct cg_names *n, enum ww_by by, uint64_t id);

/*
 * The key a --by groups cgroups by ("c:<id>", "p:<uid>", "u:<unit>", else
 * the path); "" when the path is unknown. Two cgroups with the same key
 * are one row.
 */
void cg_names_group_key(char *buf, size_t len, const struct cg_names *n, enum ww_by by);

/* The fields outputs carry (JSON members, trace fields, Prometheus labels). */
enum cg_field {
	CGF_CONTAINER,     /* its name, else the short id */
	CGF_CONTAINER_ID,
	CGF_RUNTIME,
	CGF_POD,           /* its name, else its uid */
	CGF_POD_UID,
	CGF_POD_NAMESPACE,
	CGF_QOS,
	CGF_UNIT,
	CGF_CGROUP,        /* the path */
	CGF_N,
};
extern const char *const cg_field_names[CGF_N];

#define CGF_BIT(f) (1u << (f))
/* what serve --labels may add: container, pod (with pod_namespace), unit */
#define CGF_LABELS (CGF_BIT(CGF_CONTAINER) | CGF_BIT(CGF_POD) | CGF_BIT(CGF_POD_NAMESPACE) | \
		    CGF_BIT(CGF_UNIT))

/* A field's text, "" when n does not know it; buf holds it when needed. */
const char *cg_names_field(const struct cg_names *n, enum cg_field f, char *buf, size_t len);

/*
 * The fields true of a whole row grouped by a --by (or split by that
 * group): a pod's row names no container, a unit's no pod.
 */
unsigned int cg_row_fields(enum ww_by by);

/*
 * serve --labels: "container,pod,unit" as CGF_BIT()s (pod brings
 * pod_namespace), and the group rows are split by (the finest asked).
 * Returns 0, or -EINVAL with a reason in err.
 */
int cg_labels_parse(const char *arg, unsigned int *fields, enum ww_by *group, char *err,
		    size_t errlen);

#endif
