// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for src/core/cgroup_path.c: the path shapes of each runtime and driver. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cgroup_path.h"

#define ID "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define ID2 "9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544"
#define UID "8c2e3f1a-7b4d-4e5f-9a0b-1c2d3e4f5a6b"
#define UID_ "8c2e3f1a_7b4d_4e5f_9a0b_1c2d3e4f5a6b"

struct shape {
	const char *path;
	const char *unit, *runtime, *id, *pod_uid, *qos;
};

/* Paths as each runtime creates them (/proc/PID/cgroup of a process inside). */
static const struct shape shapes[] = {
	/* systemd units */
	{ "/system.slice/nginx.service", "nginx.service", "", "", "", "" },
	{ "/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service", "", "", "", "" },
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/app-foo.service",
	  "app-foo.service", "", "", "", "" },
	{ "/user.slice/user-1000.slice/session-3.scope", "session-3.scope", "", "", "", "" },
	{ "/ww-test.slice/ww-echo.service", "ww-echo.service", "", "", "", "" },
	/* docker: systemd and cgroupfs drivers */
	{ "/system.slice/docker-" ID ".scope", "docker-" ID ".scope", "docker", ID, "", "" },
	{ "/docker/" ID, "", "docker", ID, "", "" },
	/* podman: systemd (root and rootless), cgroupfs, conmon */
	{ "/machine.slice/libpod-" ID ".scope", "libpod-" ID ".scope", "podman", ID, "", "" },
	{ "/machine.slice/libpod-" ID ".scope/container", "libpod-" ID ".scope", "podman", ID, "", "" },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope",
	  "libpod-" ID ".scope", "podman", ID, "", "" },
	{ "/libpod_parent/libpod-" ID, "", "podman", ID, "", "" },
	{ "/machine.slice/libpod-conmon-" ID ".scope", "libpod-conmon-" ID ".scope", "", "", "", "" },
	/* containerd and nerdctl */
	{ "/system.slice/nerdctl-" ID ".scope", "nerdctl-" ID ".scope", "containerd", ID, "", "" },
	/* Kubernetes, systemd driver: containerd, cri-o, each QoS class */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" ID ".scope",
	  "cri-containerd-" ID ".scope", "containerd", ID, UID, "burstable" },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/cri-containerd-" ID ".scope",
	  "cri-containerd-" ID ".scope", "containerd", ID, UID, "besteffort" },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID ".scope", "crio-" ID ".scope",
	  "cri-o", ID, UID, "guaranteed" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/crio-conmon-" ID ".scope",
	  "crio-conmon-" ID ".scope", "", "", UID, "burstable" },
	/* a pod's own cgroup, no container */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice", "", "",
	  "", UID, "besteffort" },
	/* kind: the node's kubelet under its own slice; static pods' 32-hex uid */
	{ "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	  "kubelet-kubepods-besteffort-pod0123456789abcdef0123456789abcdef.slice/cri-containerd-" ID
	  ".scope",
	  "cri-containerd-" ID ".scope", "containerd", ID, "0123456789abcdef0123456789abcdef",
	  "besteffort" },
	/* Kubernetes, cgroupfs driver */
	{ "/kubepods/besteffort/pod" UID "/" ID, "", "", ID, UID, "besteffort" },
	{ "/kubepods/burstable/pod" UID "/crio-" ID, "", "cri-o", ID, UID, "burstable" },
	{ "/kubepods/pod" UID "/" ID, "", "", ID, UID, "guaranteed" },
	/* nested: the outermost container is the host's */
	{ "/docker/" ID "/docker/" ID2, "", "docker", ID, "", "" },
	/* unknown shapes name nothing */
	{ "/", "", "", "", "", "" },
	{ "/init.scope", "init.scope", "", "", "", "" },
	{ "/docker/" ID "x", "", "", "", "", "" },
	{ "/docker/0f1e2d3c", "", "", "", "", "" },
	{ "/system.slice/docker-" ID "0.scope", "docker-" ID "0.scope", "", "", "", "" },
	{ "/system.slice/docker-0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F0.scope",
	  "docker-0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F0.scope", "", "", "",
	  "" },
	{ "/other/" ID, "", "", "", "", "" },
	{ "/kubepods/besteffort/podnot-a-uid/" ID, "", "", "", "", "besteffort" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podzz.slice", "", "", "", "",
	  "burstable" },
	{ "/user.slice/my app.service", "", "", "", "", "" },
};

/* One field against the table, the path named when it differs. */
#define FIELD(s, n, field, want)                                                           \
	do {                                                                               \
		if (strcmp((n).field, (s)->want))                                          \
			fail_msg("%s: " #field " \"%s\", not \"%s\"", (s)->path, (n).field, \
				 (s)->want);                                                \
	} while (0)

static void test_shapes(void **state)
{
	struct cg_names n;

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *s = &shapes[i];

		assert_int_equal(cgroup_path_parse(s->path, &n), 0);
		FIELD(s, n, path, path);
		FIELD(s, n, unit, unit);
		FIELD(s, n, runtime, runtime);
		FIELD(s, n, container_id, id);
		FIELD(s, n, pod_uid, pod_uid);
		FIELD(s, n, qos, qos);
		assert_string_equal(n.container, "");
		assert_string_equal(n.pod, "");
	}
}

static void test_bad_paths(void **state)
{
	char longp[CG_PATH_LEN + 8];
	struct cg_names n;

	assert_int_equal(cgroup_path_parse(NULL, &n), -EINVAL);
	assert_int_equal(cgroup_path_parse("", &n), -EINVAL);
	assert_int_equal(cgroup_path_parse("system.slice/x.service", &n), -EINVAL);
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	longp[sizeof(longp) - 1] = 0;
	assert_int_equal(cgroup_path_parse(longp, &n), -EINVAL);
	assert_string_equal(n.path, "");
}

/* What each --by shows: names where the runtime gave them, else ids, else the path. */
static void test_labels(void **state)
{
	struct cg_names n;
	char buf[256];

	cgroup_path_parse("/kubepods/besteffort/pod" UID "/" ID, &n);
	cg_names_label(buf, sizeof(buf), &n, BY_CONTAINER, 7);
	assert_string_equal(buf, "0f1e2d3c4b5a");
	cg_names_label(buf, sizeof(buf), &n, BY_POD, 7);
	assert_string_equal(buf, UID);
	cg_names_label(buf, sizeof(buf), &n, BY_UNIT, 7);
	assert_string_equal(buf, "/kubepods/besteffort/pod" UID "/" ID);
	cg_names_label(buf, sizeof(buf), &n, BY_CGROUP, 7);
	assert_string_equal(buf, "/kubepods/besteffort/pod" UID "/" ID);
	snprintf(n.container, sizeof(n.container), "web");
	cg_names_label(buf, sizeof(buf), &n, BY_CONTAINER, 7);
	assert_string_equal(buf, "web");
	snprintf(n.pod, sizeof(n.pod), "shop-7d9f");
	snprintf(n.pod_namespace, sizeof(n.pod_namespace), "prod");
	cg_names_label(buf, sizeof(buf), &n, BY_CONTAINER, 7);
	assert_string_equal(buf, "prod/shop-7d9f/web");
	cg_names_label(buf, sizeof(buf), &n, BY_POD, 7);
	assert_string_equal(buf, "prod/shop-7d9f");

	cgroup_path_parse("/system.slice/nginx.service", &n);
	cg_names_label(buf, sizeof(buf), &n, BY_UNIT, 7);
	assert_string_equal(buf, "nginx.service");
	cg_names_label(buf, sizeof(buf), &n, BY_CONTAINER, 7);
	assert_string_equal(buf, "/system.slice/nginx.service");
	/* unknown path: the id; none: "-" */
	cg_names_label(buf, sizeof(buf), NULL, BY_POD, 7);
	assert_string_equal(buf, "cgroup:7");
	cg_names_label(buf, sizeof(buf), NULL, BY_POD, 0);
	assert_string_equal(buf, "-");
}

/* Whether two cgroup paths make one row of a --by. */
static bool same_group(const char *pa, const char *pb, enum ww_by by)
{
	struct cg_names a, b;
	char ka[600], kb[600];

	assert_int_equal(cgroup_path_parse(pa, &a), 0);
	assert_int_equal(cgroup_path_parse(pb, &b), 0);
	cg_names_group_key(ka, sizeof(ka), &a, by);
	cg_names_group_key(kb, sizeof(kb), &b, by);
	return !strcmp(ka, kb);
}

/* Two cgroups are one row when their container, pod or unit is the same. */
static void test_group_keys(void **state)
{
	const char *pod_a = "/kubepods/besteffort/pod" UID "/" ID;
	const char *pod_b = "/kubepods/besteffort/pod" UID "/" ID2;
	const char *ctr = "/machine.slice/libpod-" ID ".scope";
	const char *ctr_sub = "/machine.slice/libpod-" ID ".scope/container";

	assert_true(same_group(ctr, ctr_sub, BY_CONTAINER));
	assert_false(same_group(ctr, ctr_sub, BY_CGROUP));
	assert_true(same_group(pod_a, pod_b, BY_POD));
	assert_false(same_group(pod_a, pod_b, BY_CONTAINER));
	/* a unit's key never equals a path's */
	assert_false(same_group("/u:x.service", "/x.service", BY_UNIT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_group_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
