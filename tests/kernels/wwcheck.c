// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wwcheck: the checks of the kernel tests (tests/kernels/run.sh), run inside
 * a guest that has no jq. Statically linked; reads waitwatch's JSON lines
 * with a minimal parser (the fields are flat and in a fixed order, see
 * src/out_trace.c and src/out_json.c).
 *
 *   wwcheck trace FILE ADDR PORT N [--reused-ids] [--lost L] [--uncounted]
 *       FILE holds `waitwatch trace --json` output. Of the transitions with
 *       PORT as local or remote port, all between ADDR and ADDR (the
 *       listener's: laddr ADDR, lport PORT; lport 0 allowed at
 *       CLOSE>SYN_SENT, and no peer at all at LISTEN>SYN_RECV: some kernels,
 *       6.1 among them, fire it before the child has one): N of each of CLOSE>SYN_SENT
 *       SYN_SENT>ESTABLISHED ESTABLISHED>FIN_WAIT1 FIN_WAIT1>FIN_WAIT2
 *       FIN_WAIT2>CLOSE (clients that close first) and LISTEN>SYN_RECV
 *       SYN_RECV>ESTABLISHED ESTABLISHED>CLOSE_WAIT CLOSE_WAIT>LAST_ACK
 *       LAST_ACK>CLOSE (their server's sockets), one CLOSE>LISTEN, at most
 *       one LISTEN>CLOSE, nothing else but for children that lost the race
 *       for their request to another CPU (LISTEN>SYN_RECV SYN_RECV>CLOSE,
 *       seen on 6.1 with 2 CPUs). Grouped by "sock_id", every group must be
 *       exactly one client, server, listener or lost child sequence: N
 *       clients, N servers, one listener. --reused-ids: a transition from CLOSE, or
 *       LISTEN>SYN_RECV, starts a new group even under an id seen before
 *       (the classic tracepoint's ids are addresses, which a later socket
 *       may reuse).
 *
 *   wwcheck snapshot TW CW [--repairs] -- COMMAND...
 *       Counts the sockets per state in /proc/net/tcp and /proc/net/tcp6,
 *       runs COMMAND (waitwatch snapshot --json), counts again, and checks
 *       that the "states" of its "totals" object equal the counts of /proc
 *       in every state, that /proc did not change meanwhile, and that
 *       there are TIME_WAIT and CLOSE_WAIT sockets; TW and CW, what the
 *       workloads should leave, are noted if the kernel has other counts.
 *       --repairs: also that the sweeps repaired no more sockets than
 *       events were lost ("repairs" and "lost" of the totals): the counts
 *       the transitions made were right. COMMAND may print several totals:
 *       the first counts.
 *
 * Prints diagnostic lines and one "wwcheck: PASS ..." or "wwcheck: FAIL
 * ..." line; exits 0 only on PASS.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SOCKS 4096
#define MAX_SEQ 16
#define NSTATES 12

/* Indexed by the kernel's TCP state number, as /proc/net/tcp's "st". */
static const char *const state_names[NSTATES] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT",	 [3] = "SYN_RECV",   [4] = "FIN_WAIT1",
	[5] = "FIN_WAIT2",   [6] = "TIME_WAIT",	 [7] = "CLOSE",	     [8] = "CLOSE_WAIT",
	[9] = "LAST_ACK",    [10] = "LISTEN",	 [11] = "CLOSING",
};

static int state_num(const char *name)
{
	for (int i = 1; i < NSTATES; i++)
		if (!strcmp(name, state_names[i]))
			return i;
	return -1;
}

static int fail(const char *fmt, ...)
{
	va_list ap;

	printf("wwcheck: FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return 1;
}

/* After the next `"key":` at or after *p; NULL if absent. */
static const char *field(const char **p, const char *key)
{
	char pat[64];
	const char *s;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	s = strstr(*p, pat);
	if (!s)
		return NULL;
	*p = s + strlen(pat);
	return *p;
}

static bool num_field(const char **p, const char *key, unsigned long long *v)
{
	char *end;

	if (!field(p, key))
		return false;
	errno = 0;
	*v = strtoull(*p, &end, 10);
	if (errno || end == *p)
		return false;
	*p = end;
	return true;
}

static bool str_field(const char **p, const char *key, char *buf, size_t len)
{
	const char *s, *e;

	if (!field(p, key) || **p != '"')
		return false;
	s = *p + 1;
	e = strchr(s, '"');
	if (!e || (size_t)(e - s) >= len)
		return false;
	memcpy(buf, s, e - s);
	buf[e - s] = 0;
	*p = e + 1;
	return true;
}

/* ---- trace ------------------------------------------------------------ */

struct sock {
	unsigned long long id;
	int n; /* transitions; the first MAX_SEQ are kept */
	int accepted; /* LISTEN>SYN_RECV among them */
	char seq[MAX_SEQ][32];
};

#define NKINDS 13
static const char *const kinds[NKINDS] = {
	/* a client that closes first */
	"CLOSE>SYN_SENT", "SYN_SENT>ESTABLISHED", "ESTABLISHED>FIN_WAIT1",
	"FIN_WAIT1>FIN_WAIT2", "FIN_WAIT2>CLOSE",
	/* its server */
	"LISTEN>SYN_RECV", "SYN_RECV>ESTABLISHED", "ESTABLISHED>CLOSE_WAIT",
	"CLOSE_WAIT>LAST_ACK", "LAST_ACK>CLOSE",
	/* the listener */
	"CLOSE>LISTEN", "LISTEN>CLOSE",
	/* a child that lost the race for its request to another CPU's */
	"SYN_RECV>CLOSE",
};
#define K_ACCEPT 5
#define K_LISTEN 10
#define K_UNLISTEN 11
#define K_LOSER 12

enum pattern { P_CLIENT, P_SERVER, P_LISTENER, P_LOSER, NPATTERNS };
static const struct {
	const char *name;
	const char *seq[5];
	int n;
} patterns[NPATTERNS] = {
	[P_CLIENT] = { "clients", { kinds[0], kinds[1], kinds[2], kinds[3], kinds[4] }, 5 },
	[P_SERVER] = { "servers", { kinds[5], kinds[6], kinds[7], kinds[8], kinds[9] }, 5 },
	[P_LISTENER] = { "listeners", { kinds[10], kinds[11] }, 2 },
	[P_LOSER] = { "children that lost a race", { kinds[5], kinds[12] }, 2 },
};

/* 2: s is the pattern; 1: a part of it, in order (some transitions lost); 0: neither */
static int seq_match(const struct sock *s, enum pattern p)
{
	int j = 0;

	if (s->n > patterns[p].n)
		return 0;
	for (int i = 0; i < s->n; i++) {
		while (j < patterns[p].n && strcmp(s->seq[i], patterns[p].seq[j]))
			j++;
		if (j++ == patterns[p].n)
			return 0;
	}
	/* the listener may still be listening */
	if (p == P_LISTENER && s->n == 1 && !strcmp(s->seq[0], kinds[K_LISTEN]))
		return 2;
	return s->n == patterns[p].n ? 2 : 1;
}

static void print_seq(const struct sock *s)
{
	printf("wwcheck: sock_id %llu has %d transitions:", s->id, s->n);
	for (int i = 0; i < s->n && i < 12; i++)
		printf(" %s", s->seq[i]);
	printf("%s\n", s->n > 12 ? " ..." : "");
}

/*
 * reused_ids: a socket's first transition (from CLOSE, or LISTEN>SYN_RECV)
 * starts a new socket even under an id already seen (the ids of the classic
 * tracepoint are addresses, which a later socket may reuse). Without it,
 * one id is one socket, as socket cookies are.
 * lost: the events waitwatch said it lost; exactly that many transitions
 * may be missing.
 */
static int check_trace(const char *path, const char *addr, unsigned port, int want,
		       bool reused_ids, int lost, bool uncounted)
{
	static struct sock socks[MAX_SOCKS];
	static char line[8192];
	int nsocks = 0, lines = 0, complete[NPATTERNS] = {}, partial[NPATTERNS] = {};
	int count[NKINDS] = {}, bad_addr[NKINDS] = {}, unexpected = 0, too_many = 0;
	int missing = 0, nbad_addr = 0, no_peer = 0, others = 0, tw_left[3] = {};
	char why[512] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return fail("trace: %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lport, rport, id;
		char old[16], new[16], key[32], laddr[64], raddr[64];
		bool addr_ok;
		const char *p = line, *q;
		struct sock *s = NULL;
		int k;

		lines++;
		if (line[0] != '{' || !strchr(line, '}') || !field(&p, "netns") ||
		    !str_field(&p, "laddr", laddr, sizeof(laddr)) ||
		    !num_field(&p, "lport", &lport) ||
		    !str_field(&p, "raddr", raddr, sizeof(raddr)) || !num_field(&p, "rport", &rport) ||
		    !str_field(&p, "old", old, sizeof(old)) ||
		    !str_field(&p, "new", new, sizeof(new)) || !num_field(&p, "sock_id", &id)) {
			fclose(f);
			return fail("trace: line %d is not a transition: %.200s", lines, line);
		}
		if (state_num(old) < 0 || state_num(new) < 0) {
			fclose(f);
			return fail("trace: line %d: unknown state %s or %s", lines, old, new);
		}
		if (lport != port && rport != port)
			continue;
		/* "tw" comes between "new" and "sock_id": what a ->CLOSE left behind */
		q = strstr(line, "\"tw\":");
		if (!strcmp(new, "CLOSE") && q)
			tw_left[!strncmp(q + 5, "\"TIME_WAIT\"", 11) ? 0 :
				!strncmp(q + 5, "\"FIN_WAIT2\"", 11) ? 1 : 2]++;
		snprintf(key, sizeof(key), "%s>%s", old, new);
		for (k = 0; k < NKINDS && strcmp(key, kinds[k]); k++)
			;
		if (k < NKINDS)
			count[k]++;
		else
			unexpected++;

		/* the listener has no peer; a client has no port before SYN_SENT */
		if (k == K_LISTEN || k == K_UNLISTEN) {
			addr_ok = !strcmp(laddr, addr) && lport == port;
		} else if (k == K_ACCEPT && !strcmp(laddr, addr) && lport == port && !rport &&
			   (!strcmp(raddr, "0.0.0.0") || !strcmp(raddr, "::"))) {
			/* a kernel that fires it before the child has its peer */
			addr_ok = true;
			no_peer++;
		} else {
			addr_ok = !strcmp(laddr, addr) && !strcmp(raddr, addr) &&
				  ((lport == port && rport) || (rport == port && (lport || k == 0)));
		}
		if (!addr_ok) {
			nbad_addr++;
			if (k < NKINDS && bad_addr[k]++ == 0)
				printf("wwcheck: %s with unexpected addresses (want %s, port %u): "
				       "%s:%llu -> %s:%llu\n", key, addr, port, laddr, lport, raddr,
				       rport);
		}

		if (!reused_ids || (strcmp(old, "CLOSE") && k != K_ACCEPT))
			for (int i = nsocks - 1; i >= 0; i--)
				if (socks[i].id == id) {
					s = &socks[i];
					break;
				}
		if (!s) {
			if (nsocks == MAX_SOCKS) {
				fclose(f);
				return fail("trace: more than %d sockets", MAX_SOCKS);
			}
			s = &socks[nsocks++];
			s->id = id;
		}
		if (s->n < MAX_SEQ)
			snprintf(s->seq[s->n], sizeof(s->seq[0]), "%s", key);
		s->n++;
		if (k == K_ACCEPT)
			s->accepted++;
	}
	fclose(f);

	/* every transition, however grouped; each lost race adds a LISTEN>SYN_RECV */
	printf("wwcheck: %d lines; port %u:", lines, port);
	for (int k = 0; k < NKINDS; k++) {
		int exp = k == K_ACCEPT ? want + count[K_LOSER] : k < K_LISTEN ? want :
			  k == K_LISTEN ? 1 : k == K_UNLISTEN ? count[k] : count[k];

		printf(" %s=%d", kinds[k], count[k]);
		if (count[k] > exp || (k == K_UNLISTEN && count[k] > 1))
			too_many++;
		else
			missing += exp - count[k];
	}
	printf(" other=%d\n", unexpected);
	/*
	 * Before 6.7 the kernel skips a classic tracepoint program without
	 * counting it when another one runs on that CPU (a nested transition):
	 * waitwatch cannot know those losses. Up to one per connection is taken
	 * for them, and said.
	 */
	if (uncounted && missing > lost && missing - lost <= want) {
		printf("wwcheck: %d transitions missing that this kernel does not count as "
		       "lost (classic tracepoint before 6.7)\n", missing - lost);
		lost = missing;
	}
	printf("wwcheck: ->CLOSE left a timewait socket in TIME_WAIT %d, in FIN_WAIT2 %d, "
	       "none %d times\n", tw_left[0], tw_left[1], tw_left[2]);
	if (no_peer)
		printf("wwcheck: %d LISTEN>SYN_RECV without the peer's address and port (the "
		       "kernel had not set them yet)\n", no_peer);
	if (nbad_addr) {
		printf("wwcheck: unexpected addresses:");
		for (int k = 0; k < NKINDS; k++)
			if (bad_addr[k])
				printf(" %s=%d", kinds[k], bad_addr[k]);
		printf("\n");
	}

	/* per socket */
	for (int i = 0; i < nsocks; i++) {
		const struct sock *s = &socks[i];
		int m = 0, p;

		for (p = 0; p < NPATTERNS; p++)
			if ((m = seq_match(s, p)))
				break;
		if (m == 2)
			complete[p]++;
		else if (m == 1)
			partial[p]++;
		else if (++others <= 4)
			print_seq(s);
		if (s->n > 2 && !strcmp(s->seq[0], kinds[K_LISTEN]) && s->accepted)
			printf("wwcheck: the listener's sock_id %llu is also that of %d accepted "
			       "sockets (LISTEN>SYN_RECV)\n", s->id, s->accepted);
	}
	printf("wwcheck: port %u, by sock_id:", port);
	for (int p = 0; p < NPATTERNS; p++)
		printf(" %d %s%s", complete[p], patterns[p].name, p < NPATTERNS - 1 ? "," : "");
	printf(" with the expected sequences; %d with transitions missing, %d other ids\n",
	       partial[P_CLIENT] + partial[P_SERVER] + partial[P_LISTENER] + partial[P_LOSER],
	       others);
	if (lost)
		printf("wwcheck: waitwatch lost %d events; %d transitions missing\n", lost, missing);

	if (too_many || unexpected)
		snprintf(why, sizeof(why), "unexpected transitions (want %d of each kind, see the "
			 "counts)", want);
	else if (missing != lost)
		snprintf(why, sizeof(why), "%d transitions missing, %d lost by waitwatch's own "
			 "count (want %d of each kind)", missing, lost, want);
	else if (nbad_addr)
		snprintf(why, sizeof(why), "every transition seen%s, but %d with unexpected "
			 "addresses", lost ? " or counted lost" : "", nbad_addr);
	else if (others || complete[P_LOSER] != count[K_LOSER] ||
		 complete[P_CLIENT] + partial[P_CLIENT] != want ||
		 complete[P_SERVER] + partial[P_SERVER] != want ||
		 complete[P_LISTENER] + partial[P_LISTENER] != 1 ||
		 (!lost && (partial[P_CLIENT] || partial[P_SERVER] || partial[P_LISTENER])))
		snprintf(why, sizeof(why), "every transition seen (%d of each kind%s), but grouped "
			 "by sock_id: %d clients, %d servers, %d listeners, %d other ids "
			 "(want %d, %d, 1, 0)", want, lost ? ", or counted lost" : "",
			 complete[P_CLIENT] + partial[P_CLIENT],
			 complete[P_SERVER] + partial[P_SERVER],
			 complete[P_LISTENER] + partial[P_LISTENER], others, want, want);
	if (why[0])
		return fail("trace: port %u: %s", port, why);
	printf("wwcheck: PASS trace: %d client and %d server sockets, every transition seen%s%s\n",
	       want, want, lost ? " or counted lost by waitwatch" : "",
	       count[K_LOSER] ? " (and children that lost a race)" : "");
	return 0;
}

/* ---- snapshot --------------------------------------------------------- */

static int proc_states(long counts[NSTATES])
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char line[512];

	memset(counts, 0, sizeof(long) * NSTATES);
	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "r");
		unsigned st;

		if (!f)
			return fail("snapshot: %s: %s", files[i], strerror(errno));
		if (!fgets(line, sizeof(line), f)) { /* the header */
			fclose(f);
			return fail("snapshot: %s: empty", files[i]);
		}
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%*s %*s %*s %x", &st) != 1 || st == 0 || st >= NSTATES) {
				fclose(f);
				return fail("snapshot: %s: bad line: %s", files[i], line);
			}
			counts[st]++;
		}
		fclose(f);
	}
	return 0;
}

/* Runs the command; its stdout (up to len - 1 bytes) into buf. */
static int run_capture(char **argv, char *buf, size_t len)
{
	size_t used = 0;
	int fds[2], status;
	ssize_t r;
	pid_t pid;

	if (pipe(fds))
		return fail("snapshot: pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return fail("snapshot: fork: %s", strerror(errno));
	if (!pid) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		fprintf(stderr, "wwcheck: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	while ((r = read(fds[0], buf + used, len - 1 - used)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			used += r;
	buf[used] = 0;
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0)
		return fail("snapshot: waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return fail("snapshot: %s exited with status 0x%x", argv[0], status);
	if (used == len - 1)
		return fail("snapshot: more than %zu bytes of output", len - 1);
	return 0;
}

static int parse_totals(const char *out, long counts[NSTATES])
{
	const char *t = strstr(out, "\"type\":\"totals\""), *p, *end;
	int seen = 0;

	for (int i = 0; i < NSTATES; i++)
		counts[i] = -1;
	if (!t)
		return fail("snapshot: no totals object in waitwatch's output");
	p = t;
	if (!field(&p, "states") || *p != '{' || !(end = strchr(p, '}')))
		return fail("snapshot: no states in the totals object: %.300s", t);
	p++;
	while (p < end) {
		char name[32];
		char *e;
		long v;
		int st;

		if (*p == ',')
			p++;
		if (sscanf(p, "\"%31[A-Z_0-9]\":", name) != 1)
			return fail("snapshot: cannot read the states at: %.80s", p);
		p = strchr(p, ':') + 1;
		v = strtol(p, &e, 10);
		if (e == p)
			return fail("snapshot: bad count for %s", name);
		p = e;
		st = state_num(name);
		if (st < 0)
			return fail("snapshot: unknown state %s", name);
		counts[st] = v;
		seen++;
	}
	if (!seen)
		return fail("snapshot: empty states object");
	return 0;
}

static int check_snapshot(long want_tw, long want_cw, bool no_repairs, char **argv)
{
	static char out[1 << 20];
	long before[NSTATES], after[NSTATES], ww[NSTATES];
	unsigned long long repairs = 0, lost = 0, events = 0;
	const char *t;
	int bad = 0;

	if (proc_states(before) || run_capture(argv, out, sizeof(out)) || proc_states(after) ||
	    parse_totals(out, ww))
		return 1;
	t = strstr(out, "\"type\":\"totals\"");
	if (no_repairs) {
		const char *p = t;

		if (!num_field(&p, "events", &events) || !num_field(&p, "lost", &lost) ||
		    !num_field(&p, "repairs", &repairs))
			return fail("snapshot: no events, lost and repairs in the totals object");
		printf("wwcheck: %llu events, %llu lost, %llu repairs\n", events, lost, repairs);
	}
	printf("wwcheck: %-11s %9s %9s\n", "state", "waitwatch", "/proc");
	for (int i = 1; i < NSTATES; i++) {
		if (i == 7) /* CLOSE: not a socket table state */
			continue;
		printf("wwcheck: %-11s %9ld %9ld%s\n", state_names[i], ww[i], after[i],
		       before[i] != after[i] ? " (changed meanwhile)" : "");
		if (before[i] != after[i])
			bad = 1;
		else if (ww[i] != after[i] && !(ww[i] == -1 && after[i] == 0))
			bad = 1;
	}
	if (bad)
		return fail("snapshot: waitwatch's totals differ from /proc/net/tcp{,6}");
	/* each lost event may leave one socket for a sweep to repair; nothing else may */
	if (no_repairs && repairs > lost)
		return fail("snapshot: the sweeps repaired %llu sockets the transitions had "
			    "counted wrong, with %llu events lost", repairs, lost);
	if (ww[6] < 1 || ww[8] < 1)
		return fail("snapshot: no TIME_WAIT or no CLOSE_WAIT socket to count (%ld, %ld): "
			    "the workload did not run", ww[6], ww[8]);
	/* a connection the kernel reset leaves no TIME_WAIT: not waitwatch's to count */
	if (ww[6] != want_tw || ww[8] != want_cw)
		printf("wwcheck: the workloads should have left TIME_WAIT %ld and CLOSE_WAIT %ld; "
		       "the kernel has %ld and %ld\n", want_tw, want_cw, after[6], after[8]);
	printf("wwcheck: PASS snapshot: TIME_WAIT %ld, CLOSE_WAIT %ld, every state as in /proc\n",
	       ww[6], ww[8]);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && !strcmp(argv[1], "trace")) {
		bool reused = false, uncounted = false;
		int lost = 0, i;

		for (i = 6; i < argc; i++) {
			if (!strcmp(argv[i], "--reused-ids"))
				reused = true;
			else if (!strcmp(argv[i], "--uncounted"))
				uncounted = true;
			else if (!strcmp(argv[i], "--lost") && i + 1 < argc)
				lost = atoi(argv[++i]);
			else
				break;
		}
		if (i == argc)
			return check_trace(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), reused,
					   lost, uncounted);
	}
	if (argc >= 6 && !strcmp(argv[1], "snapshot") && !strcmp(argv[4], "--"))
		return check_snapshot(atol(argv[2]), atol(argv[3]), false, argv + 5);
	if (argc >= 7 && !strcmp(argv[1], "snapshot") && !strcmp(argv[4], "--repairs") &&
	    !strcmp(argv[5], "--"))
		return check_snapshot(atol(argv[2]), atol(argv[3]), true, argv + 6);
	fprintf(stderr, "Usage: wwcheck trace FILE ADDR PORT N [--reused-ids] [--lost L] "
			"[--uncounted]\n"
			"       wwcheck snapshot TW CW [--repairs] -- COMMAND [ARGS...]\n");
	return 2;
}
