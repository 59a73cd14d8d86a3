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

#endif
