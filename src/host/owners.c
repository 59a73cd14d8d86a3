// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cgnames.h"
#include "owners.h"
#include "procfs.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* "socket:[12345]" -> 12345, else 0 */
static uint64_t socket_inode(const char *link)
{
	if (strncmp(link, "socket:[", 8))
		return 0;
	return strtoull(link + 8, NULL, 10);
}

static int scan_process(struct owner_map *m, uint32_t pid, const uint64_t *set, size_t n)
{
	char path[64], link[64];
	struct dirent *d;
	DIR *dp;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	dp = opendir(path);
	if (!dp)
		return 0; /* gone, or a kernel thread */
	m->procs_scanned++;
	while (!err && (d = readdir(dp))) {
		ssize_t len;
		uint64_t ino;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		m->fds_scanned++;
		len = readlinkat(dirfd(dp), d->d_name, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		ino = socket_inode(link);
		if (ino && bsearch(&ino, set, n, sizeof(*set), cmp_u64))
			err = owner_map__add(m, ino, pid, strtoul(d->d_name, NULL, 10));
	}
	closedir(dp);
	return err;
}

int owners__scan(struct owner_map *m, const uint64_t *inodes, size_t n)
{
	uint64_t *set;
	struct dirent *d;
	DIR *dp;
	int err = 0;

	memset(m, 0, sizeof(*m));
	if (!n)
		return 0;
	set = malloc(n * sizeof(*set));
	if (!set)
		return -ENOMEM;
	memcpy(set, inodes, n * sizeof(*set));
	qsort(set, n, sizeof(*set), cmp_u64);
	dp = opendir("/proc");
	if (!dp) {
		free(set);
		return -errno;
	}
	while (!err && (d = readdir(dp)))
		if (isdigit((unsigned char)d->d_name[0]))
			err = scan_process(m, strtoul(d->d_name, NULL, 10), set, n);
	closedir(dp);
	free(set);
	owner_map__sort(m);
	return err;
}

void owner_comm(uint32_t pid, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	procfs__read_line(path, buf, len);
}

/*
 * The process's cgroup: its cgroup v2 path ("0::/path"); on hosts that
 * still run cgroup v1 (v2 path "/"), the systemd or memory hierarchy's,
 * which is where services and containers are told apart.
 */
void owner_cgroup(uint32_t pid, char *buf, size_t len)
{
	static const char *const prefer[] = { "0::", "1:name=systemd:", ":name=systemd:",
					      ":memory:" };
	char path[64], line[4096], found[4][1024] = {};
	FILE *f;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		for (size_t i = 0; i < 4; i++) {
			char *p = strstr(line, prefer[i]);

			if (p && (i == 0 ? p == line : 1))
				snprintf(found[i], sizeof(found[i]), "%s", p + strlen(prefer[i]));
		}
	}
	fclose(f);
	for (size_t i = 0; i < 4; i++) {
		if (found[i][0] && (strcmp(found[i], "/") || i == 3)) {
			snprintf(buf, len, "%s", found[i]);
			return;
		}
	}
	if (found[0][0])
		snprintf(buf, len, "%s", found[0]);
}

void cgroup_path(uint64_t id, char *buf, size_t len)
{
	const struct cg_names *n = cgnames__get(id);

	snprintf(buf, len, "%s", n ? n->path : "?");
}
