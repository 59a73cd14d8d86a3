/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared by the test tools of tests/tools and the benchmarks'
 * load generator (bench/loadgen.c): the address given on the command line,
 * the monotonic clock, and the ready file a tool writes once it is set up.
 */
#ifndef WW_TOOLS_H
#define WW_TOOLS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC. */
static inline double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Milliseconds from now to deadline, rounded up, for poll(); 0 once it passed. */
static inline int ms_until(double deadline)
{
	double left = deadline - mono_now();

	if (left <= 0)
		return 0;
	return (int)(left * 1000) + 1;
}

/* addr (IPv4 or IPv6) and port as a socket address: its length, 0 if addr is neither. */
static inline socklen_t sockaddr_of(const char *addr, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return sizeof(*a4);
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return sizeof(*a6);
	}
	return 0;
}

/*
 * The ready file: text and a newline in path, written whole or not at all
 * (into path.tmp, then renamed). 0, or -1 with errno set and *failed naming
 * the file that failed; nothing to do without a path.
 */
static inline int ready_file(const char *path, const char *text, const char **failed)
{
	static char tmp[4096];
	FILE *f;

	if (!path)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	*failed = tmp;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%s\n", text);
	*failed = path;
	if (fclose(f) || rename(tmp, path))
		return -1;
	return 0;
}

#endif
