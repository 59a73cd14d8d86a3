// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * httpabuse: hostile HTTP clients for the end-to-end tests of
 * `waitwatch serve` (tests/e2e/t_serve_hostile.sh).
 *
 *   httpabuse hold -a ADDR -p PORT -n COUNT [-t SECS] [-r READY_FILE]
 *       Open COUNT connections at once (5 s to connect them all), send
 *       nothing, and hold them for SECS (default 20) or until SIGUSR1,
 *       SIGTERM or SIGINT. Connections the server closes are counted.
 *   httpabuse slow -a ADDR -p PORT [-i SECS] [-t SECS] [-r READY_FILE]
 *       Slowloris: send a request header that never ends, one byte every
 *       -i SECS (default 1), until the server closes the connection or -t
 *       SECS (default 20) pass.
 *   httpabuse send -a ADDR -p PORT -f FILE [-t SECS] [-s]
 *       Send FILE's bytes as they are (the server may stop reading: a reset
 *       or EPIPE ends the sending), -s: then shut the writing side down;
 *       read the response until the server closes, the response is
 *       complete, or -t SECS (default 10) pass.
 *
 * The READY_FILE (written once every connection is up) and the result on
 * stdout are one JSON object each:
 *   hold  {"connected":N,"failed":N,"closed_by_server":N,
 *          "first_close_s":X,"last_close_s":X,"held_s":X}
 *   slow  {"sent":N,"closed":B,"seconds":X,"status":N}
 *   send  {"sent":N,"closed":B,"complete":B,"seconds":X,"status":N,"status_line":"..."}
 * status is the response's HTTP status code, 0 if none came.
 * Every wait is bounded. Exit: 0 done, 1 runtime error, 2 usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "tools.h"

#define MAX_CONNS 20000
#define CONNECT_SECS 5.0

struct opts {
	const char *addr;
	int port;
	int count;
	double seconds;
	double interval;
	const char *ready;
	const char *file;
	bool shut;
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	stop = 1;
}

static int die(const char *what)
{
	fprintf(stderr, "httpabuse: %s: %s\n", what, strerror(errno));
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "Usage: httpabuse hold -a ADDR -p PORT -n COUNT [-t SECS] [-r READY]\n"
			"       httpabuse slow -a ADDR -p PORT [-i SECS] [-t SECS] [-r READY]\n"
			"       httpabuse send -a ADDR -p PORT -f FILE [-t SECS] [-s]\n");
	return 2;
}

/* A non-blocking socket with connect() started; -1 on failure. */
static int start_connect(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const void *)ss, len) && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait (until deadline) for a started connect(); 0 when connected. */
static int finish_connect(int fd, double deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	socklen_t sl = sizeof(int);
	int err = 0;

	if (poll(&p, 1, ms_until(deadline)) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl))
		return -1;
	errno = err;
	return err ? -1 : 0;
}

static int write_ready(const char *path, const char *json)
{
	const char *failed;

	return ready_file(path, json, &failed) ? die(failed) : 0;
}

/* "HTTP/1.1 431 ..." -> 431; 0 if buf does not start with a status line. */
static int status_of(const char *buf, size_t len)
{
	int code = 0;

	if (len < 12 || strncmp(buf, "HTTP/", 5))
		return 0;
	if (sscanf(buf + 9, "%3d", &code) != 1)
		return 0;
	return code;
}

/* ---- hold: many idle connections -------------------------------------- */

static int cmd_hold(const struct opts *o, const struct sockaddr_storage *ss, socklen_t len)
{
	struct rlimit rl = { o->count + 64, o->count + 64 };
	struct pollfd *p = calloc(o->count, sizeof(*p));
	int connected = 0, failed = 0, closed = 0, open_now;
	double t0, deadline, first = -1, last = -1, held;
	char json[512];

	if (!p)
		return die("calloc");
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return die("setrlimit RLIMIT_NOFILE");
	for (int i = 0; i < o->count; i++) {
		p[i].fd = start_connect(ss, len);
		p[i].events = POLLOUT;
		if (p[i].fd < 0)
			failed++;
	}
	/* all connects are in flight: wait for them together */
	deadline = mono_now() + CONNECT_SECS;
	for (int pending = o->count - failed; pending > 0 && !stop;) {
		int n = poll(p, o->count, ms_until(deadline));

		if (n <= 0)
			break;
		for (int i = 0; i < o->count; i++) {
			socklen_t sl = sizeof(int);
			int err = 0;

			if (p[i].fd < 0 || p[i].events != POLLOUT || !p[i].revents)
				continue;
			pending--;
			if (getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &sl) || err ||
			    (p[i].revents & (POLLERR | POLLHUP))) {
				close(p[i].fd);
				p[i].fd = -1;
				failed++;
				continue;
			}
			connected++;
			p[i].events = POLLIN | POLLRDHUP;
		}
	}
	for (int i = 0; i < o->count; i++) {
		if (p[i].fd >= 0 && p[i].events == POLLOUT) { /* never connected */
			close(p[i].fd);
			p[i].fd = -1;
			failed++;
		}
	}
	snprintf(json, sizeof(json), "{\"connected\":%d,\"failed\":%d}", connected, failed);
	if (write_ready(o->ready, json))
		return 1;

	/* hold them; count the ones the server closes */
	t0 = mono_now();
	deadline = t0 + o->seconds;
	while (!stop && mono_now() < deadline) {
		int n = poll(p, o->count, ms_until(deadline) < 200 ? ms_until(deadline) : 200);

		if (n < 0 && errno != EINTR)
			return die("poll");
		for (int i = 0; n > 0 && i < o->count; i++) {
			char buf[512];
			ssize_t r;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			r = recv(p[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r > 0 || (r < 0 && errno == EAGAIN))
				continue; /* a response to nothing? keep reading */
			close(p[i].fd);
			p[i].fd = -1;
			closed++;
			last = mono_now() - t0;
			if (first < 0)
				first = last;
		}
	}
	held = mono_now() - t0;
	open_now = 0;
	for (int i = 0; i < o->count; i++) {
		if (p[i].fd >= 0) {
			close(p[i].fd);
			open_now++;
		}
	}
	printf("{\"connected\":%d,\"failed\":%d,\"closed_by_server\":%d,\"open_at_release\":%d,"
	       "\"first_close_s\":%.3f,\"last_close_s\":%.3f,\"held_s\":%.3f}\n",
	       connected, failed, closed, open_now, first, last, held);
	free(p);
	return 0;
}

/* ---- slow: one byte at a time ----------------------------------------- */

static int cmd_slow(const struct opts *o, const struct sockaddr_storage *ss, socklen_t len)
{
	static const char head[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
	int fd = start_connect(ss, len), status = 0;
	double t0, deadline;
	bool closed = false;
	char resp[256];
	size_t got = 0;
	long sent = 0;

	if (fd < 0 || finish_connect(fd, mono_now() + CONNECT_SECS))
		return die("connect");
	if (write_ready(o->ready, "{\"connected\":1}"))
		return 1;
	t0 = mono_now();
	deadline = t0 + o->seconds;
	while (!stop && !closed && mono_now() < deadline) {
		char c = (size_t)sent < sizeof(head) - 1 ? head[sent] : 'a';
		double next = mono_now() + o->interval;
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };

		if (send(fd, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
			sent++;
		} else if (errno != EAGAIN) {
			closed = true; /* EPIPE, ECONNRESET: the server is gone */
			break;
		}
		if (next > deadline)
			next = deadline;
		/* wait out the interval, watching for the server closing */
		while (!stop && !closed && mono_now() < next) {
			ssize_t r;

			if (poll(&p, 1, ms_until(next)) <= 0)
				continue;
			r = recv(fd, resp + got, sizeof(resp) - 1 - got, MSG_DONTWAIT);
			if (r > 0) {
				got += r;
				if (got == sizeof(resp) - 1)
					got = 0; /* keep the first line only, roughly */
				if (!status)
					status = status_of(resp, got);
			} else if (r == 0 || errno != EAGAIN) {
				closed = true;
			}
		}
	}
	printf("{\"sent\":%ld,\"closed\":%s,\"seconds\":%.3f,\"status\":%d}\n", sent,
	       closed ? "true" : "false", mono_now() - t0, status);
	close(fd);
	return 0;
}

/* ---- send: raw bytes, then read the response -------------------------- */

static char *read_file(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || !(buf = malloc(st.st_size + 1))) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, st.st_size, f);
	fclose(f);
	return buf;
}

/* The response is whole: headers ended and Content-Length bytes of body read. */
static bool response_complete(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	const char *cl;
	long body = 0;

	if (!end)
		return false;
	cl = memmem(buf, end - buf, "\r\nContent-Length: ", 18);
	if (cl)
		body = strtol(cl + 18, NULL, 10);
	return (size_t)(end + 4 - buf) + body <= len;
}

static int cmd_send(const struct opts *o, const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = start_connect(ss, len), status;
	bool closed = false, complete = false, writing = true;
	size_t dlen = 0, off = 0, got = 0, cap = 65536;
	char *data, *resp = malloc(cap + 1), line[128];
	double t0, deadline;

	if (!o->file)
		return usage();
	data = read_file(o->file, &dlen);
	if (!data || !resp)
		return die(o->file);
	if (fd < 0 || finish_connect(fd, mono_now() + CONNECT_SECS))
		return die("connect");
	t0 = mono_now();
	deadline = t0 + o->seconds;
	while (!stop && !closed && !complete && mono_now() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
		ssize_t r;

		if (writing && off < dlen)
			p.events |= POLLOUT;
		if (poll(&p, 1, ms_until(deadline)) <= 0)
			continue;
		if (p.revents & POLLOUT) {
			r = send(fd, data + off, dlen - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r > 0)
				off += r;
			else if (r < 0 && errno != EAGAIN)
				writing = false; /* the server stopped reading: see what it said */
			if (off == dlen && o->shut)
				shutdown(fd, SHUT_WR);
		}
		if (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) {
			r = recv(fd, resp + got, cap - got, MSG_DONTWAIT);
			if (r > 0) {
				got += r;
				complete = response_complete(resp, got);
				if (got == cap)
					complete = true; /* enough to judge */
			} else if (r == 0 || errno != EAGAIN) {
				closed = true;
				writing = false;
			}
		}
	}
	status = status_of(resp, got);
	/* the status line, printable ASCII only, for the log */
	memset(line, 0, sizeof(line));
	for (size_t i = 0; i < got && i < sizeof(line) - 1 && resp[i] != '\r'; i++)
		line[i] = (resp[i] >= 0x20 && resp[i] < 0x7f && resp[i] != '"' && resp[i] != '\\') ?
				  resp[i] :
				  '?';
	printf("{\"sent\":%zu,\"closed\":%s,\"complete\":%s,\"seconds\":%.3f,\"status\":%d,"
	       "\"status_line\":\"%s\"}\n",
	       off, closed ? "true" : "false", complete ? "true" : "false", mono_now() - t0, status,
	       line);
	close(fd);
	free(data);
	free(resp);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .addr = "127.0.0.1", .count = 1, .seconds = -1, .interval = 1 };
	struct sockaddr_storage ss;
	struct sigaction sa = { .sa_handler = on_stop };
	const char *mode;
	socklen_t len;
	int opt;

	if (argc < 2)
		return usage();
	mode = argv[1];
	while ((opt = getopt(argc - 1, argv + 1, "a:p:n:t:i:r:f:sh")) != -1) {
		switch (opt) {
		case 'a': o.addr = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 'n': o.count = atoi(optarg); break;
		case 't': o.seconds = atof(optarg); break;
		case 'i': o.interval = atof(optarg); break;
		case 'r': o.ready = optarg; break;
		case 'f': o.file = optarg; break;
		case 's': o.shut = true; break;
		default:
			return usage();
		}
	}
	if (optind + 1 != argc || o.port <= 0 || o.port > 65535 || o.count < 1 ||
	    o.count > MAX_CONNS || o.interval <= 0 || !(len = sockaddr_of(o.addr, o.port, &ss)))
		return usage();
	if (o.seconds < 0)
		o.seconds = strcmp(mode, "send") ? 20 : 10;
	if (o.seconds > 600)
		o.seconds = 600;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "hold"))
		return cmd_hold(&o, &ss, len);
	if (!strcmp(mode, "slow"))
		return cmd_slow(&o, &ss, len);
	if (!strcmp(mode, "send"))
		return cmd_send(&o, &ss, len);
	return usage();
}
