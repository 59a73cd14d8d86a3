// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * loadgen: TCP connection churn for waitwatch's benchmarks and tests.
 *
 *   loadgen server -a ADDR -p PORT [-m MODE] [-t SECS] [-r READY_FILE]
 *   loadgen client -a ADDR -p PORT [-n COUNT] [-d SECS] [-m MODE] [-b SRC[,SRC...]]
 *                  [-s SPREAD] [-P PORTS]
 *
 * Server modes: close-after-eof (default: the client closes first and
 * leaves TIME_WAIT on its side), close-first (the server closes first:
 * TIME_WAIT on the server), hold (never close after the peer's FIN: the
 * sockets stay in CLOSE_WAIT until SIGUSR1 closes them all).
 * Client modes: close-first (default), wait-eof (close after the server).
 * Clients cycle over the source addresses given with -b, so that connect()
 * does not slow down looking for a port free of TIME_WAIT sockets.
 * -s SPREAD and -P PORTS spread the destinations over SPREAD consecutive
 * IPv4 addresses from ADDR times PORTS consecutive ports from PORT (one
 * endpoint each, for a listener on 0.0.0.0): connection i goes to address
 * i % SPREAD, port i / SPREAD % PORTS.
 *
 * Every run is bounded: by count and by time (-d, default 10 s, and -t for
 * servers, default 60 s). The client prints one JSON line of totals.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "tools.h"

#define MAX_FDS 65536
#define MAX_SOURCES 64

enum mode { CLOSE_AFTER_EOF, CLOSE_FIRST, HOLD, WAIT_EOF };

struct opts {
	const char *addr;
	int port;
	enum mode mode;
	uint64_t count;
	double seconds;
	const char *ready;
	struct sockaddr_storage src[MAX_SOURCES];
	int nsrc;
	uint32_t spread, ports; /* destinations: addresses x ports (1 x 1 by default) */
};

static volatile sig_atomic_t stop, release;

static void on_stop(int sig)
{
	stop = 1;
}

static void on_release(int sig)
{
	release = 1;
}

static int die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	return 1;
}

static int to_sockaddr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	*len = sockaddr_of(addr, port, ss);
	if (*len)
		return 0;
	fprintf(stderr, "loadgen: bad address '%s'\n", addr);
	return -1;
}

static void raise_fd_limit(void)
{
	struct rlimit rl = { MAX_FDS + 64, MAX_FDS + 64 };

	setrlimit(RLIMIT_NOFILE, &rl);
}

/* ---- server ----------------------------------------------------------- */

static int listen_on(const struct opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (to_sockaddr(o->addr, o->port, &ss, &len))
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return die("socket"), -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (void *)&ss, len) || listen(fd, 4096)) {
		die("bind/listen");
		close(fd);
		return -1;
	}
	return fd;
}

static void write_ready(const char *path)
{
	char text[64];
	const char *failed;

	snprintf(text, sizeof(text), "pid=%d\nready", getpid());
	ready_file(path, text, &failed);
}

struct conns {
	struct pollfd *p; /* p[0] is the listener */
	int n;
	int held[MAX_FDS];
	int nheld;
};

static void accept_all(struct conns *c, int lfd, enum mode mode)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		if (mode == CLOSE_FIRST || c->n >= MAX_FDS) {
			close(fd);
			continue;
		}
		c->p[c->n].fd = fd;
		c->p[c->n].events = POLLIN;
		c->n++;
	}
}

/* Read what the peer sent; at EOF close, or keep the socket in CLOSE_WAIT. */
static void serve_readable(struct conns *c, int i, enum mode mode)
{
	char buf[512];
	ssize_t r = read(c->p[i].fd, buf, sizeof(buf));

	if (r > 0 || (r < 0 && errno == EAGAIN))
		return;
	if (mode == HOLD && c->nheld < MAX_FDS)
		c->held[c->nheld++] = c->p[i].fd;
	else
		close(c->p[i].fd);
	c->p[i] = c->p[--c->n];
}

static int serve_conns(const struct opts *o, struct conns *c)
{
	double end = mono_now() + o->seconds;
	int lfd = listen_on(o);

	if (lfd < 0 || !c || !(c->p = calloc(MAX_FDS + 1, sizeof(*c->p))))
		return 1;
	c->p[0].fd = lfd;
	c->p[0].events = POLLIN;
	c->n = 1;
	write_ready(o->ready);
	while (!stop && mono_now() < end) {
		if (release) {
			for (int i = 0; i < c->nheld; i++)
				close(c->held[i]);
			c->nheld = 0;
			release = 0;
		}
		if (poll(c->p, c->n, 100) < 0 && errno != EINTR)
			return die("poll");
		if (c->p[0].revents & POLLIN)
			accept_all(c, lfd, o->mode);
		for (int i = c->n - 1; i >= 1; i--)
			if (c->p[i].revents & (POLLIN | POLLHUP | POLLERR))
				serve_readable(c, i, o->mode);
	}
	return 0;
}

static void conns_free(struct conns *c)
{
	if (c)
		free(c->p);
	free(c);
}

static int run_server(const struct opts *o)
{
	struct conns *c = calloc(1, sizeof(*c));
	int ret = serve_conns(o, c);

	/* freed, so that a sanitized build's leak check at exit stays quiet */
	conns_free(c);
	return ret;
}

/* ---- client ------------------------------------------------------------ */

/* Wait (bounded) for the server to close first. */
static void wait_eof(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[64];

	while (poll(&p, 1, 2000) > 0 && read(fd, buf, sizeof(buf)) > 0)
		;
}

static int one_connection(const struct opts *o, const struct sockaddr_storage *dst,
			  socklen_t dlen, uint64_t i)
{
	const struct sockaddr_storage *src = o->nsrc ? &o->src[i % o->nsrc] : NULL;
	int fd = socket(dst->ss_family, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	/* let connect() pick the port per 4-tuple, not bind() per address */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (src && bind(fd, (const void *)src, dlen)) {
		close(fd);
		return -1;
	}
	if (connect(fd, (const void *)dst, dlen)) {
		close(fd);
		return -1;
	}
	if (o->mode == WAIT_EOF)
		wait_eof(fd);
	close(fd);
	return 0;
}

static int parse_sources(struct opts *o, char *list, int port_family)
{
	socklen_t len;

	for (char *s = strtok(list, ","); s; s = strtok(NULL, ",")) {
		if (o->nsrc == MAX_SOURCES || to_sockaddr(s, 0, &o->src[o->nsrc], &len))
			return -1;
		o->nsrc++;
	}
	return 0;
}

/* Connection i's destination: base moved by -s and -P (IPv4 only). */
static void spread_dst(const struct opts *o, const struct sockaddr_storage *base,
		       struct sockaddr_storage *dst, uint64_t i)
{
	struct sockaddr_in *in = (struct sockaddr_in *)dst;

	*dst = *base;
	if (base->ss_family != AF_INET)
		return;
	in->sin_addr.s_addr = htonl(ntohl(in->sin_addr.s_addr) + i % o->spread);
	in->sin_port = htons(o->port + i / o->spread % o->ports);
}

static int run_client(const struct opts *o)
{
	struct sockaddr_storage base, dst;
	double start = mono_now(), end = start + o->seconds;
	uint64_t done = 0, errors = 0;
	socklen_t len;

	if (to_sockaddr(o->addr, o->port, &base, &len))
		return 2;
	while (!stop && done < o->count && mono_now() < end) {
		spread_dst(o, &base, &dst, done + errors);
		if (one_connection(o, &dst, len, done + errors))
			errors++;
		else
			done++;
		if (errors > 1000 && errors > done)
			break;
	}
	printf("{\"connections\":%llu,\"errors\":%llu,\"seconds\":%.3f,\"rate\":%.1f}\n",
	       (unsigned long long)done, (unsigned long long)errors, mono_now() - start,
	       done / (mono_now() - start));
	return errors && !done ? 1 : 0;
}

static int parse_mode(const char *s, enum mode *m)
{
	static const char *const names[] = { "close-after-eof", "close-first", "hold",
					     "wait-eof" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return *m = i, 0;
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: loadgen server -a ADDR -p PORT [-m close-after-eof|close-first|hold]"
		   " [-t SECS] [-r READY_FILE]\n"
		   "       loadgen client -a ADDR -p PORT [-n COUNT] [-d SECS]"
		   " [-m close-first|wait-eof] [-b SRC[,SRC...]]\n"
		   "                      [-s SPREAD] [-P PORTS]\n");
}

int main(int argc, char **argv)
{
	struct opts o = { .count = UINT64_MAX, .seconds = 10, .mode = CLOSE_AFTER_EOF,
			  .spread = 1, .ports = 1 };
	bool server;
	int opt;

	if (argc < 2 || (strcmp(argv[1], "server") && strcmp(argv[1], "client")))
		return usage(stderr), 2;
	server = !strcmp(argv[1], "server");
	if (server)
		o.seconds = 60;
	else
		o.mode = CLOSE_FIRST;
	while ((opt = getopt(argc - 1, argv + 1, "a:p:m:n:d:t:r:b:s:P:h")) != -1) {
		switch (opt) {
		case 'a': o.addr = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 'm': if (parse_mode(optarg, &o.mode)) return usage(stderr), 2; break;
		case 'n': o.count = strtoull(optarg, NULL, 10); break;
		case 'd':
		case 't': o.seconds = atof(optarg); break;
		case 'r': o.ready = optarg; break;
		case 'b': if (parse_sources(&o, optarg, 0)) return usage(stderr), 2; break;
		case 's': o.spread = strtoul(optarg, NULL, 10); break;
		case 'P': o.ports = strtoul(optarg, NULL, 10); break;
		case 'h': return usage(stdout), 0;
		default: return usage(stderr), 2;
		}
	}
	if (!o.addr || o.port <= 0 || o.port > 65535 || o.seconds <= 0 || o.seconds > 3600 ||
	    !o.spread || o.spread > 1 << 24 || !o.ports || o.port + o.ports - 1 > 65535)
		return usage(stderr), 2;
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGUSR1, on_release);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	return server ? run_server(&o) : run_client(&o);
}
