// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "log.h"
#include "sweep.h"

#define MAX_NAMESPACES 65536
#define READ_CHUNK (64 * 1024)

/* Where namespaces without any process in them are kept (ip netns, docker). */
static const char *const ns_dirs[] = { "/run/netns", "/run/docker/netns" };

struct ns_set {
	__u32 *inodes;
	char **paths;
	size_t n, cap;
};

static bool ns_seen(const struct ns_set *s, __u32 ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->inodes[i] == ino)
			return true;
	return false;
}

static void ns_add(struct ns_set *s, const char *path, __u32 only)
{
	struct stat st;
	void *p;

	if (stat(path, &st) || (only && st.st_ino != only) || ns_seen(s, st.st_ino))
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		if (cap > MAX_NAMESPACES)
			return;
		p = realloc(s->inodes, cap * sizeof(*s->inodes));
		if (!p)
			return;
		s->inodes = p;
		p = realloc(s->paths, cap * sizeof(*s->paths));
		if (!p)
			return;
		s->paths = p;
		s->cap = cap;
	}
	s->paths[s->n] = strdup(path);
	if (!s->paths[s->n])
		return;
	s->inodes[s->n++] = st.st_ino;
}

static void ns_free(struct ns_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->paths[i]);
	free(s->paths);
	free(s->inodes);
}

static void scan_dir(struct ns_set *s, const char *dir, __u32 only)
{
	char path[512];
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		ns_add(s, path, only);
	}
	closedir(dp);
}

/* Every namespace some process is in, plus the named ones nobody is in. */
static void find_namespaces(struct ns_set *s, __u32 only)
{
	char path[300];
	struct dirent *d;
	DIR *dp;

	ns_add(s, "/proc/self/ns/net", only);
	for (size_t i = 0; i < sizeof(ns_dirs) / sizeof(ns_dirs[0]); i++)
		scan_dir(s, ns_dirs[i], only);
	dp = opendir("/proc");
	if (!dp)
		return;
	while ((d = readdir(dp))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", d->d_name);
		ns_add(s, path, only);
	}
	closedir(dp);
}

static int read_records(int fd, const struct sweep_cb *cb, struct sweep_result *res)
{
	static char buf[READ_CHUNK];
	size_t have = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		have += n;
		size_t off = 0;

		for (; off + sizeof(struct ww_sock_rec) <= have; off += sizeof(struct ww_sock_rec)) {
			struct ww_sock_rec r;

			memcpy(&r, buf + off, sizeof(r));
			cb->sock(cb->ctx, &r);
			res->sockets++;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	return 0;
}

static __u32 read_port_range(void)
{
	unsigned int lo, hi;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "%u %u", &lo, &hi);
	fclose(f);
	return n == 2 && hi >= lo ? hi - lo + 1 : 0;
}

/* Inside the namespace: one iterator, read to the end. */
static int sweep_here(int iter_link_fd, __u32 netns, const struct sweep_cb *cb,
		      struct sweep_result *res)
{
	int fd = bpf_iter_create(iter_link_fd), err;

	if (fd < 0)
		return -errno;
	err = read_records(fd, cb, res);
	close(fd);
	if (cb->port_range)
		cb->port_range(cb->ctx, netns, read_port_range());
	return err;
}

/* Enter a namespace (none to do for our own); false if it cannot be entered. */
static bool enter(const char *path, bool home, bool *moved)
{
	static bool warned;
	int fd;

	if (home)
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false; /* the process exited or the namespace went away meanwhile */
	if (setns(fd, CLONE_NEWNET)) {
		if (errno == EPERM && !warned) {
			wlog("cannot enter other network namespaces without CAP_SYS_ADMIN: only "
			     "this one is counted");
			warned = true;
		}
		dlog("cannot enter %s: %s", path, strerror(errno));
		close(fd);
		return false;
	}
	close(fd);
	*moved = true;
	return true;
}

int sweep_all(int iter_link_fd, __u32 netns, const struct sweep_cb *cb,
	      struct sweep_result *res)
{
	struct ns_set set = {};
	bool moved = false;
	struct stat self;
	int home, err = 0;

	memset(res, 0, sizeof(*res));
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0 || fstat(home, &self)) {
		err = -errno;
		elog("cannot open this process's network namespace: %s", strerror(-err));
		if (home >= 0)
			close(home);
		return err;
	}
	find_namespaces(&set, netns);
	for (size_t i = 0; i < set.n && !err; i++) {
		if (!enter(set.paths[i], set.inodes[i] == self.st_ino && !moved, &moved)) {
			res->unreachable++;
			continue;
		}
		err = sweep_here(iter_link_fd, set.inodes[i], cb, res);
		if (err)
			elog("reading the socket table of netns %u failed: %s", set.inodes[i],
			     strerror(-err));
		res->namespaces++;
	}
	if (moved && setns(home, CLONE_NEWNET)) {
		err = -errno;
		elog("cannot return to the original network namespace: %s", strerror(-err));
	}
	close(home);
	ns_free(&set);
	if (!err && netns && !res->namespaces) {
		elog("network namespace %u not found or not reachable (no process in it, not "
		     "under /run/netns, or no CAP_SYS_ADMIN)", netns);
		err = -ENOENT;
	}
	return err;
}
