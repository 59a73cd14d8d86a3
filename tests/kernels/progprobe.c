// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * progprobe: which kinds of BPF tracing programs the running kernel lets
 * attach to a TCP function, for the kernel tests (tests/kernels/run.sh).
 * waitwatch itself uses none of these; the result documents the kernel.
 *
 * Loads a program that only returns 0 and attaches it, then detaches:
 *   kprobe  BPF_PROG_TYPE_KPROBE on a kprobe perf event (the kprobe PMU)
 *   fentry  BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY (BTF id of the function)
 * Prints one line per kind: "progprobe: KIND FUNC: attached" or
 * "progprobe: KIND FUNC: unavailable (REASON)". Always exits 0 unless
 * misused: a missing feature is a fact, not an error.
 *
 * Statically linked with libbpf (for the BTF lookup):
 *   cc -static -O2 progprobe.c -lbpf -lelf -lz -o progprobe
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static char log_buf[65536];

static void result(const char *kind, const char *fn, const char *what, int err)
{
	if (!what)
		printf("progprobe: %s %s: attached\n", kind, fn);
	else
		printf("progprobe: %s %s: unavailable (%s: %s)\n", kind, fn, what, strerror(err));
}

static int load(enum bpf_prog_type type, enum bpf_attach_type at, __u32 btf_id)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = at,
		    .attach_btf_id = btf_id, .log_buf = log_buf, .log_size = sizeof(log_buf),
		    .log_level = 1);

	log_buf[0] = 0;
	return bpf_prog_load(type, "progprobe", "GPL", ret0, 2, &o);
}

static void probe_kprobe(const char *fn)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	int type, prog, pfd, err;
	FILE *f;

	f = fopen("/sys/bus/event_source/devices/kprobe/type", "r");
	if (!f)
		return result("kprobe", fn, "no kprobe PMU", errno);
	if (fscanf(f, "%d", &type) != 1) {
		fclose(f);
		return result("kprobe", fn, "kprobe PMU type unreadable", EINVAL);
	}
	fclose(f);
	prog = load(BPF_PROG_TYPE_KPROBE, 0, 0);
	if (prog < 0)
		return result("kprobe", fn, "program load", -prog);
	attr.type = type;
	attr.config1 = (uint64_t)(uintptr_t)fn; /* kprobe_func */
	attr.config2 = 0; /* offset */
	pfd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		err = errno;
		close(prog);
		return result("kprobe", fn, "perf_event_open", err);
	}
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) || ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0)) {
		err = errno;
		close(pfd);
		close(prog);
		return result("kprobe", fn, "attach", err);
	}
	close(pfd);
	close(prog);
	result("kprobe", fn, NULL, 0);
}

static void probe_fentry(const char *fn)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id, prog, link, err;

	if (!btf)
		return result("fentry", fn, "kernel BTF", errno);
	id = btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC);
	btf__free(btf);
	if (id < 0)
		return result("fentry", fn, "no BTF FUNC", -id);
	prog = load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, id);
	if (prog < 0) {
		err = -prog;
		if (log_buf[0])
			printf("progprobe: fentry verifier log: %.300s\n", log_buf);
		return result("fentry", fn, "program load", err);
	}
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0) {
		err = -link;
		close(prog);
		return result("fentry", fn, "attach", err);
	}
	close(link);
	close(prog);
	result("fentry", fn, NULL, 0);
}

int main(int argc, char **argv)
{
	const char *fn = argc > 1 ? argv[1] : "tcp_set_state";

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "Usage: progprobe [KERNEL_FUNCTION]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(NULL);
	probe_kprobe(fn);
	probe_fentry(fn);
	return 0;
}
