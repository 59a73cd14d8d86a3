// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcpdrive: drive real TCP connections through chosen state sequences, for
 * the end-to-end tests. Run inside a network namespace with `ip netns exec`.
 *
 * Every blocking step waits with poll() against one deadline (--timeout),
 * so the program always ends by itself. Accepting servers send a one-byte
 * greeting ('H') on every accepted connection and clients read it before
 * acting: when a client closes or resets, the server has certainly accepted
 * the connection (no race with the request socket / accept queue).
 *
 * Output (stdout, line-buffered), in this order:
 *   pid=<pid>                     always first
 *   local_port=<port>             client and refused: one per connection
 *   accepted local_port=<p> peer_port=<p>   server, per accepted connection
 *   eof peer_port=<p>             server hold: the peer's FIN was read
 *   reset peer_port=<p>           server: the peer reset the connection
 *   holding                       server hold: every connection is in CLOSE_WAIT
 *   end=<eof|reset|closed> local_port=<p>   client, per connection
 * Exit: 0 done, 1 runtime error or timeout, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "tools.h"

#define MAX_CONNS 256
#define GREETING 'H'

enum mode {
	M_NONE,
	M_CLOSE_AFTER_EOF, /* server: read until EOF, then close (passive close) */
	M_CLOSE_FIRST,     /* close right away (active close) */
	M_WAIT_EOF,        /* client: read until EOF, then close (passive close) */
	M_SHUTDOWN,        /* client: shutdown(SHUT_WR), read until EOF, then close */
	M_HOLD,            /* keep sockets open until --hold-seconds or SIGTERM/SIGINT */
	M_NOACCEPT,        /* server: never accept */
	M_RST,             /* SO_LINGER 0 close: reset */
};

struct opts {
	const char *addr;
	int port;
	int count;
	enum mode mode;
	const char *ready_file;
	const char *bind_addr;
	double hold_seconds; /* < 0: until signalled or --timeout */
	double timeout;
	bool no_greeting;
};

static volatile sig_atomic_t stop_flag;
static double deadline; /* CLOCK_MONOTONIC seconds */

static const char usage_text[] =
	"Usage: tcpdrive COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  server        listen on ADDR:PORT and handle up to --count connections\n"
	"  client        open --count connections to ADDR:PORT, one after another\n"
	"  refused       connect to a closed port; exit 0 if refused (ECONNREFUSED)\n"
	"  listen-close  listen on ADDR:PORT, then close the listener\n"
	"\n"
	"Options:\n"
	"  -a, --addr A          address to listen on / connect to (IPv4 or IPv6), required\n"
	"  -p, --port P          port, 1..65535 (server, refused, client: required;\n"
	"                        listen-close: 0 = any)\n"
	"  -n, --count N         connections to accept / open (default 1, max 256)\n"
	"  -m, --mode M          server: close-after-eof (default), close-first, hold,\n"
	"                                noaccept, rst\n"
	"                        client: close-first (default), wait-eof, shutdown, rst,\n"
	"                                hold\n"
	"  -r, --ready-file F    server, listen-close: once listening, write \"pid=<pid>\\nready\\n\"\n"
	"                        to F (atomically: written to F.tmp, then renamed)\n"
	"  -b, --bind ADDR       client: bind this source address before connecting\n"
	"  -H, --hold-seconds S  hold mode, noaccept, listen-close: how long to keep the\n"
	"                        sockets open (default: until SIGTERM/SIGINT or --timeout)\n"
	"  -G, --no-greeting     client: do not wait for the server's 1-byte greeting\n"
	"                        (needed against a noaccept server)\n"
	"  -t, --timeout S       give up after S seconds in total (default 30)\n"
	"  -h, --help            this text\n"
	"\n"
	"Modes:\n"
	"  server close-after-eof  accept, send 'H', read until EOF, close: the server\n"
	"                          goes ESTABLISHED->CLOSE_WAIT->LAST_ACK->CLOSE\n"
	"  server close-first      accept, send 'H', close at once: the server is the\n"
	"                          active closer (FIN_WAIT1...)\n"
	"  server hold             accept all N, send 'H', read each until EOF, print\n"
	"                          \"holding\", keep them open (CLOSE_WAIT) until the hold ends\n"
	"  server noaccept         never accept: connections wait in the accept queue\n"
	"                          until the hold ends, then the listener is closed\n"
	"  server rst              accept, send 'H', close with SO_LINGER 0 (reset)\n"
	"  client close-first      connect, read 'H', close: active close\n"
	"  client wait-eof         connect, read until EOF (or reset), close\n"
	"  client shutdown         connect, read 'H', shutdown(SHUT_WR), read until EOF,\n"
	"                          close: active close that sees the peer's FIN before\n"
	"                          the socket is closed (always a TIME_WAIT substate)\n"
	"  client rst              connect, read 'H', close with SO_LINGER 0 (reset)\n"
	"  client hold             open all N, read 'H' on each, keep them open until the\n"
	"                          hold ends, then close them all\n"
	"\n"
	"Output lines: pid=<pid> first; client/refused: local_port=<port> per\n"
	"connection, then end=<eof|reset|closed> local_port=<port>; server:\n"
	"accepted local_port=<p> peer_port=<p>, eof/reset peer_port=<p>, holding.\n"
	"Exit status: 0 done, 1 runtime error or timeout, 2 usage error.\n";

/* "tcpdrive: " and the message, then tail, then exit with status. */
static void vexit(int status, const char *tail, const char *fmt, va_list ap)
{
	fputs("tcpdrive: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(tail, stderr);
	exit(status);
}

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vexit(2, " (see tcpdrive --help)\n", fmt, ap);
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vexit(1, "\n", fmt, ap);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/*
 * Wait for events on fd until the global deadline (or until `until`, if
 * earlier and > 0). Returns 1 ready, 0 when `until` passed or a signal
 * asked to stop; dies when the global deadline passes.
 */
static int wait_fd(int fd, short events, double until)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		double t = mono_now(), end = deadline;
		int ms, r;

		if (until > 0 && until < end)
			end = until;
		if (stop_flag)
			return 0;
		if (t >= end) {
			if (end == deadline)
				die("timed out (--timeout)");
			return 0;
		}
		ms = (int)((end - t) * 1000) + 1;
		if (ms > 200)
			ms = 200; /* re-check stop_flag regularly */
		r = poll(&p, 1, ms);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
	}
}

/*
 * Sleep until the hold ends: `until` (if > 0), a signal, or --timeout. A hold
 * without `until` ends quietly at --timeout; one that would outlast it dies.
 */
static void hold_until(double until)
{
	while (!stop_flag) {
		double t = mono_now(), end = until > 0 && until <= deadline ? until : deadline;

		if (t >= end) {
			if (end != until && until > 0)
				die("timed out (--timeout) before --hold-seconds ended");
			return;
		}
		poll(NULL, 0, (end - t) * 1000 > 200 ? 200 : (int)((end - t) * 1000) + 1);
	}
}

static double hold_end(const struct opts *o)
{
	return o->hold_seconds >= 0 ? mono_now() + o->hold_seconds : 0;
}

static socklen_t make_addr(const char *addr, int port, struct sockaddr_storage *ss)
{
	socklen_t len = sockaddr_of(addr, port, ss);

	if (!len)
		usage_error("not an IPv4 or IPv6 address: '%s'", addr);
	return len;
}

static int sa_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die("getsockname: %s", strerror(errno));
	return sa_port(&ss);
}

static int peer_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	return sa_port(&ss);
}

static int tcp_socket(int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	return fd;
}

static void set_linger0(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0)
		die("setsockopt SO_LINGER: %s", strerror(errno));
}

static void write_ready(const char *path)
{
	char text[64];
	const char *failed;

	snprintf(text, sizeof(text), "pid=%d\nready", (int)getpid());
	if (ready_file(path, text, &failed))
		die("%s: %s", failed, strerror(errno));
}

static int listen_on(const struct opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(o->addr, o->port, &ss);
	int fd = tcp_socket(ss.ss_family), one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("setsockopt SO_REUSEADDR: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind %s port %d: %s", o->addr, o->port, strerror(errno));
	if (listen(fd, MAX_CONNS) < 0)
		die("listen: %s", strerror(errno));
	return fd;
}

/*
 * Read and discard until EOF. Returns 0 on EOF, ECONNRESET (or another
 * errno) on error, -1 if stopped by a signal or `until`.
 */
static int read_until_eof(int fd, double until)
{
	char buf[4096];

	for (;;) {
		ssize_t n;

		if (!wait_fd(fd, POLLIN, until))
			return -1;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno;
	}
}

/* Read the 1-byte greeting. 0 ok, else an errno (ECONNRESET, EPROTO on EOF). */
static int read_greeting(int fd)
{
	char c;
	ssize_t n;

	for (;;) {
		wait_fd(fd, POLLIN, 0);
		if (stop_flag)
			die("interrupted");
		n = recv(fd, &c, 1, MSG_DONTWAIT);
		if (n == 1)
			return c == GREETING ? 0 : EPROTO;
		if (n == 0)
			return EPROTO;
		if (errno != EAGAIN && errno != EINTR)
			return errno;
	}
}

/* Accept one connection, send the greeting; *pport: the peer's port. */
static int accept_one(int lfd, int *pport)
{
	int fd;

	if (!wait_fd(lfd, POLLIN, 0))
		die("interrupted while waiting for a connection");
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		die("accept: %s", strerror(errno));
	/* Before the greeting: once it is sent, the peer may reset at once. */
	*pport = peer_port(fd);
	printf("accepted local_port=%d peer_port=%d\n", local_port(fd), *pport);
	if (send(fd, (char[]){ GREETING }, 1, MSG_NOSIGNAL) != 1)
		die("send greeting: %s", strerror(errno));
	return fd;
}

static int cmd_server(const struct opts *o)
{
	int lfd = listen_on(o), fds[MAX_CONNS], pports[MAX_CONNS], i, r;

	write_ready(o->ready_file);
	if (o->mode == M_NOACCEPT) {
		hold_until(hold_end(o));
		close(lfd);
		return 0;
	}
	for (i = 0; i < o->count; i++) {
		int pp, fd = accept_one(lfd, &pp);

		switch (o->mode) {
		case M_CLOSE_AFTER_EOF:
			r = read_until_eof(fd, 0);
			if (r < 0)
				die("interrupted while reading");
			if (r > 0)
				printf("%s peer_port=%d\n", r == ECONNRESET ? "reset" : strerror(r), pp);
			close(fd);
			break;
		case M_CLOSE_FIRST:
			close(fd);
			break;
		case M_RST:
			set_linger0(fd);
			close(fd);
			break;
		case M_HOLD:
			fds[i] = fd;
			pports[i] = pp;
			break;
		default:
			die("internal: bad server mode");
		}
	}
	if (o->mode == M_HOLD) {
		for (i = 0; i < o->count; i++) {
			r = read_until_eof(fds[i], 0);
			if (r < 0)
				die("interrupted while waiting for EOF");
			printf("%s peer_port=%d\n", r == 0 ? "eof" : r == ECONNRESET ? "reset" : strerror(r),
			       pports[i]);
		}
		printf("holding\n");
		hold_until(hold_end(o));
		for (i = 0; i < o->count; i++)
			close(fds[i]);
	}
	close(lfd);
	return 0;
}

/*
 * Connect; print local_port. Returns the socket, or -errno if the connection
 * failed after the SYN was sent (refused, reset...).
 */
static int connect_one(const struct opts *o, int *lport)
{
	struct sockaddr_storage ss, bs;
	socklen_t len = make_addr(o->addr, o->port, &ss);
	int fd = tcp_socket(ss.ss_family), err = 0;
	socklen_t elen = sizeof(err);

	if (o->bind_addr) {
		socklen_t blen = make_addr(o->bind_addr, 0, &bs);

		if (bs.ss_family != ss.ss_family)
			usage_error("--bind %s and --addr %s are not the same family", o->bind_addr,
				    o->addr);
		if (bind(fd, (struct sockaddr *)&bs, blen) < 0)
			die("bind %s: %s", o->bind_addr, strerror(errno));
	}
	/* Non-blocking connect: the local port is known while in SYN_SENT. */
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		die("fcntl: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
		die("connect %s port %d: %s", o->addr, o->port, strerror(errno));
	*lport = local_port(fd);
	printf("local_port=%d\n", *lport);
	if (!wait_fd(fd, POLLOUT, 0))
		die("interrupted while connecting");
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		die("getsockopt SO_ERROR: %s", strerror(errno));
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

static int cmd_client(const struct opts *o)
{
	int fds[MAX_CONNS], ports[MAX_CONNS], i, r;

	for (i = 0; i < o->count; i++) {
		int fd = connect_one(o, &ports[i]);

		if (fd == -ECONNRESET && o->mode == M_WAIT_EOF) {
			/* Established, then reset before connect() was seen to finish. */
			printf("end=reset local_port=%d\n", ports[i]);
			continue;
		}
		if (fd < 0)
			die("connect %s port %d: %s", o->addr, o->port, strerror(-fd));
		if (!o->no_greeting && (r = read_greeting(fd)) != 0 && o->mode != M_WAIT_EOF)
			die("no greeting on local port %d: %s", ports[i], strerror(r));
		switch (o->mode) {
		case M_CLOSE_FIRST:
			close(fd);
			printf("end=closed local_port=%d\n", ports[i]);
			break;
		case M_RST:
			set_linger0(fd);
			close(fd);
			printf("end=closed local_port=%d\n", ports[i]);
			break;
		case M_SHUTDOWN:
		case M_WAIT_EOF:
			if (o->mode == M_SHUTDOWN && shutdown(fd, SHUT_WR) < 0)
				die("shutdown: %s", strerror(errno));
			r = read_until_eof(fd, 0);
			if (r < 0)
				die("interrupted while reading");
			close(fd);
			printf("end=%s local_port=%d\n",
			       r == 0 ? "eof" : r == ECONNRESET ? "reset" : strerror(r), ports[i]);
			break;
		case M_HOLD:
			fds[i] = fd;
			break;
		default:
			die("internal: bad client mode");
		}
	}
	if (o->mode == M_HOLD) {
		hold_until(hold_end(o));
		for (i = 0; i < o->count; i++) {
			close(fds[i]);
			printf("end=closed local_port=%d\n", ports[i]);
		}
	}
	return 0;
}

static int cmd_refused(const struct opts *o)
{
	int lport, fd = connect_one(o, &lport);

	if (fd >= 0) {
		close(fd);
		die("connect to %s port %d succeeded, expected ECONNREFUSED", o->addr, o->port);
	}
	if (fd != -ECONNREFUSED)
		die("connect to %s port %d: %s, expected ECONNREFUSED", o->addr, o->port,
		    strerror(-fd));
	printf("end=refused local_port=%d\n", lport);
	return 0;
}

static int cmd_listen_close(const struct opts *o)
{
	int fd = listen_on(o);

	printf("listening local_port=%d\n", local_port(fd));
	write_ready(o->ready_file);
	if (o->hold_seconds > 0)
		hold_until(hold_end(o));
	close(fd);
	printf("closed\n");
	return 0;
}

static enum mode parse_mode(const char *s, bool server)
{
	static const struct {
		const char *name;
		enum mode m;
		int server; /* 1 server only, 0 client only, 2 both */
	} modes[] = {
		{ "close-after-eof", M_CLOSE_AFTER_EOF, 1 }, { "close-first", M_CLOSE_FIRST, 2 },
		{ "wait-eof", M_WAIT_EOF, 0 },               { "hold", M_HOLD, 2 },
		{ "shutdown", M_SHUTDOWN, 0 },
		{ "noaccept", M_NOACCEPT, 1 },               { "rst", M_RST, 2 },
	};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(s, modes[i].name) == 0 && (modes[i].server == 2 || modes[i].server == server))
			return modes[i].m;
	}
	usage_error("invalid --mode '%s' for %s", s, server ? "server" : "client");
	return M_NONE;
}

static double parse_seconds(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 86400)
		usage_error("invalid %s '%s': seconds, 0..86400", opt, s);
	return v;
}

static long parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage_error("invalid %s '%s': %ld..%ld", opt, s, min, max);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "mode", required_argument, NULL, 'm' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "bind", required_argument, NULL, 'b' },
		{ "hold-seconds", required_argument, NULL, 'H' },
		{ "no-greeting", no_argument, NULL, 'G' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .port = -1, .count = 1, .hold_seconds = -1, .timeout = 30 };
	const char *cmd, *mode = NULL;
	struct sigaction sa;
	bool server;
	int c;

	if (argc < 2)
		usage_error("missing command");
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "server") && strcmp(cmd, "client") && strcmp(cmd, "refused") &&
	    strcmp(cmd, "listen-close"))
		usage_error("unknown command '%s'", cmd);
	server = strcmp(cmd, "server") == 0;

	optind = 2;
	while ((c = getopt_long(argc, argv, "a:p:n:m:r:b:H:Gt:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o.addr = optarg; break;
		case 'p': o.port = parse_long("--port", optarg, 0, 65535); break;
		case 'n': o.count = parse_long("--count", optarg, 1, MAX_CONNS); break;
		case 'm': mode = optarg; break;
		case 'r': o.ready_file = optarg; break;
		case 'b': o.bind_addr = optarg; break;
		case 'H': o.hold_seconds = parse_seconds("--hold-seconds", optarg); break;
		case 'G': o.no_greeting = true; break;
		case 't': o.timeout = parse_seconds("--timeout", optarg); break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			usage_error("bad option");
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.addr)
		usage_error("%s: --addr is required", cmd);
	if (o.port < 0)
		o.port = strcmp(cmd, "listen-close") == 0 ? 0 : -1;
	if (o.port <= 0 && strcmp(cmd, "listen-close") != 0)
		usage_error("%s: --port 1..65535 is required", cmd);
	if (mode && strcmp(cmd, "server") && strcmp(cmd, "client"))
		usage_error("%s takes no --mode", cmd);
	if (strcmp(cmd, "server") == 0 || strcmp(cmd, "client") == 0)
		o.mode = mode ? parse_mode(mode, server) : server ? M_CLOSE_AFTER_EOF : M_CLOSE_FIRST;
	if (o.bind_addr && strcmp(cmd, "client") && strcmp(cmd, "refused"))
		usage_error("--bind is for client and refused");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = mono_now() + o.timeout;
	printf("pid=%d\n", (int)getpid());

	if (server)
		return cmd_server(&o);
	if (strcmp(cmd, "client") == 0)
		return cmd_client(&o);
	if (strcmp(cmd, "refused") == 0)
		return cmd_refused(&o);
	return cmd_listen_close(&o);
}
