// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the cgroup path parser (src/core/cgroup_path.c), the
 * bytes as a path (up to the first NUL), as /proc/PID/cgroup or the cgroup2
 * mount gives it: anyone who may create a cgroup chooses its name.
 *
 * Checked besides what the sanitizers see: every field is terminated and
 * within its size; a container id is 64 lower-case hex digits, and only
 * with a runtime name from the list or none; a pod uid is 32 hex digits or
 * the 8-4-4-4-12 form, and a QoS class one of the three and only with a pod
 * or under kubepods; a unit ends in .service or .scope and is a component
 * of the path; the names the runtime gives stay empty; the labels and
 * group keys of every --by are terminated and never empty.
 *
 * Seeds: tests/fuzz/corpus/fuzz_cgroup_path/ (each runtime's shapes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup_path.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_cgroup_path: %s\n", what);
		abort();
	}
}

static int all_of(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

static void check_fields(const struct cg_names *n, const char *path)
{
	static const char hex[] = "0123456789abcdef";
	size_t ul = strlen(n->unit);
	char comp[CG_UNIT_LEN + 3];

	check(memchr(n->unit, 0, sizeof(n->unit)) && memchr(n->runtime, 0, sizeof(n->runtime)) &&
		      memchr(n->container_id, 0, sizeof(n->container_id)) &&
		      memchr(n->pod_uid, 0, sizeof(n->pod_uid)) && memchr(n->qos, 0, sizeof(n->qos)),
	      "a field not terminated");
	check(!strcmp(n->path, path), "path not kept");
	check(!n->container_id[0] || (strlen(n->container_id) == 64 && all_of(n->container_id, hex)),
	      "container id not 64 hex digits");
	check(!n->runtime[0] || n->container_id[0], "a runtime without a container");
	check(!n->runtime[0] || !strcmp(n->runtime, "docker") || !strcmp(n->runtime, "podman") ||
		      !strcmp(n->runtime, "containerd") || !strcmp(n->runtime, "cri-o"),
	      "unknown runtime");
	check(!n->pod_uid[0] || (strlen(n->pod_uid) == 32 && all_of(n->pod_uid, hex)) ||
		      (strlen(n->pod_uid) == 36 && all_of(n->pod_uid, "0123456789abcdef-") &&
		       n->pod_uid[8] == '-' && n->pod_uid[13] == '-' && n->pod_uid[18] == '-' &&
		       n->pod_uid[23] == '-'),
	      "pod uid of another form");
	check(!n->qos[0] || !strcmp(n->qos, "guaranteed") || !strcmp(n->qos, "burstable") ||
		      !strcmp(n->qos, "besteffort"),
	      "unknown QoS class");
	check(strcmp(n->qos, "guaranteed") || n->pod_uid[0], "guaranteed without a pod");
	if (ul) {
		check((ul > 8 && !strcmp(n->unit + ul - 8, ".service")) ||
			      (ul > 6 && !strcmp(n->unit + ul - 6, ".scope")),
		      "unit of another kind");
		snprintf(comp, sizeof(comp), "/%s", n->unit);
		check(strstr(path, comp) != NULL, "unit not a component of the path");
	}
	check(!n->container[0] && !n->pod[0] && !n->pod_namespace[0], "runtime names from a path");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ww_by bys[] = { BY_CGROUP, BY_CONTAINER, BY_POD, BY_UNIT };
	char path[CG_PATH_LEN + 16], buf[CG_PATH_LEN + 400];
	struct cg_names n;
	size_t len = size < sizeof(path) - 1 ? size : sizeof(path) - 1;

	memcpy(path, data, len);
	path[len] = 0;
	if (cgroup_path_parse(path, &n)) {
		check(path[0] != '/' || strlen(path) >= CG_PATH_LEN, "a path refused");
		return 0;
	}
	check_fields(&n, path);
	for (size_t i = 0; i < sizeof(bys) / sizeof(bys[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		cg_names_label(buf, sizeof(buf), &n, bys[i], 7);
		check(memchr(buf, 0, sizeof(buf)) && buf[0], "label empty or not terminated");
		memset(buf, 'x', sizeof(buf));
		cg_names_group_key(buf, sizeof(buf), &n, bys[i]);
		check(memchr(buf, 0, sizeof(buf)) && buf[0], "group key empty or not terminated");
	}
	return 0;
}
