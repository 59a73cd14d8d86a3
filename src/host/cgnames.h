/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A cgroup v2 id turned into the names people use, once per cgroup: its
 * path from the cgroup2 file system (the id is the inode of the cgroup's
 * directory, and its file handle), parsed by core/cgroup_path.c, then, for
 * a container, the names its runtime keeps on this node (the container's,
 * the pod's and its namespace, from the OCI bundle's annotations and the
 * runtime's own records), read once per container.
 *
 * Bounded: CGNAMES_MAX cgroups are kept; beyond, the least recently used
 * is forgotten (and found again if asked for once more), counted in
 * cgnames_stats.evicted. Nothing here runs per event: the collector asks
 * for a socket's group once per socket, the outputs for names once per row.
 * One per process; not thread-safe.
 */
#ifndef WW_CGNAMES_H
#define WW_CGNAMES_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "cgroup_path.h"
#include "collector.h"

#define CGNAMES_MAX 1024
/* runtime files larger than this are not read */
#define CGNAMES_MAX_FILE (16u << 20)

struct cgnames_stats {
	__u64 resolved;      /* cgroups whose path was found */
	__u64 by_handle;     /* of which by file handle, the rest by a walk of the mount */
	__u64 unresolved;    /* ids with no path: gone, or no cgroup2 mount */
	__u64 evicted;       /* forgotten when full */
	__u64 runtime_names; /* containers whose names a runtime gave */
	__u64 runtime_none;  /* containers no runtime file named */
};

/*
 * What collector_opts.group_of groups by (BY_CONTAINER, BY_POD, BY_UNIT),
 * with the cgroups' names read for the rows. Call before the collector runs.
 */
void cgnames__group_by(enum ww_by by);

/* collector_opts.group_of: the id standing for the group of a cgroup (its own if unknown). */
__u64 cgnames__group_of(void *ctx, __u64 cgroup_id);

/*
 * The names of a cgroup, the runtime's included: NULL when its path is not
 * found. Valid until the next call of this module.
 */
const struct cg_names *cgnames__get(__u64 cgroup_id);

/* view_opts.names: cgnames__get() as a callback. */
const struct cg_names *cgnames__names(void *ctx, __u64 cgroup_id);

/*
 * The names of a cgroup given by its path (/proc/PID/cgroup's), into out:
 * cached when the path is one of the cgroup2 mount's. Returns 0, or
 * -EINVAL when path is no cgroup path (out then holds only zeros).
 */
int cgnames__of_path(const char *path, struct cg_names *out);

/* The cgroup2 mount point, "" when there is none. */
const char *cgnames__mount(void);

void cgnames__stats(struct cgnames_stats *out);
void cgnames__free(void);

#endif
