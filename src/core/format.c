// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Turning kernel values into the text users read: states, addresses, ages. */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"

#define NSEC_PER_SEC 1000000000ULL

/* Indexed by the kernel's TCP_* state numbers (include/net/tcp_states.h). */
static const char *const state_names[] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT",   [3] = "SYN_RECV",   [4] = "FIN_WAIT1",
	[5] = "FIN_WAIT2",   [6] = "TIME_WAIT",  [7] = "CLOSE",      [8] = "CLOSE_WAIT",
	[9] = "LAST_ACK",    [10] = "LISTEN",    [11] = "CLOSING",   [12] = "NEW_SYN_RECV",
};

#define NR_STATES ((int)(sizeof(state_names) / sizeof(state_names[0])))

/*
 * ss(8) spellings that differ from the kernel's names once '-' is read as
 * '_' and case is ignored; the others ("syn-sent", "time-wait", ...) already
 * match a kernel name.
 */
static const struct {
	const char *name;
	int state;
} state_aliases[] = {
	{ "ESTAB", 1 },
	{ "FIN_WAIT_1", 4 },
	{ "FIN_WAIT_2", 5 },
};

char *text_printable(char *dst, size_t len, const char *src, size_t srclen)
{
	size_t i;

	if (!len)
		return dst;
	for (i = 0; i + 1 < len && i < srclen && src[i]; i++) {
		unsigned char c = src[i];

		dst[i] = c < 0x20 || c == 0x7f ? '?' : c;
	}
	dst[i] = 0;
	return dst;
}

const char *tcp_state_name(int state)
{
	if (state < 1 || state >= NR_STATES)
		return "UNKNOWN";
	return state_names[state];
}

/* Upper-case s with '-' as '_' into buf; false if it does not fit. */
static bool normalize_state(char *buf, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (i + 1 >= len)
			return false;
		buf[i] = s[i] == '-' ? '_' : (char)toupper((unsigned char)s[i]);
	}
	buf[i] = '\0';
	return true;
}

int tcp_state_parse(const char *s)
{
	char name[16];
	size_t i;
	int state;

	if (!s || !*s || !normalize_state(name, sizeof(name), s))
		return -1;

	for (state = 1; state < NR_STATES; state++) {
		if (!strcmp(name, state_names[state]))
			return state;
	}
	for (i = 0; i < sizeof(state_aliases) / sizeof(state_aliases[0]); i++) {
		if (!strcmp(name, state_aliases[i].name))
			return state_aliases[i].state;
	}
	return -1;
}

bool addr_is_v4mapped(const uint8_t addr[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(addr, prefix, sizeof(prefix));
}

int addr_display_family(int family, const uint8_t addr[16])
{
	if (family == AF_INET || (family == AF_INET6 && addr_is_v4mapped(addr)))
		return 4;
	return 6;
}

void addr_format(char *buf, size_t len, int family, const uint8_t addr[16])
{
	/* Formatted locally first: inet_ntop writes nothing if buf is short. */
	char tmp[WW_ADDR_LEN];
	const char *ok;

	if (!len)
		return;

	if (family == AF_INET)
		ok = inet_ntop(AF_INET, addr, tmp, sizeof(tmp));
	else if (family == AF_INET6 && addr_is_v4mapped(addr))
		ok = inet_ntop(AF_INET, addr + 12, tmp, sizeof(tmp));
	else if (family == AF_INET6)
		ok = inet_ntop(AF_INET6, addr, tmp, sizeof(tmp));
	else
		ok = NULL;

	snprintf(buf, len, "%s", ok ? tmp : "?");
}

void addrport_format(char *buf, size_t len, int family, const uint8_t addr[16], uint16_t port)
{
	char host[WW_ADDR_LEN];

	addr_format(host, sizeof(host), family, addr);
	if (addr_display_family(family, addr) == 6)
		snprintf(buf, len, "[%s]:%u", host, port);
	else
		snprintf(buf, len, "%s:%u", host, port);
}

void age_format(char *buf, size_t len, uint64_t ns)
{
	uint64_t s = ns / NSEC_PER_SEC;

	/* Two units at most, so the column stays narrow. */
	if (s < 60)
		snprintf(buf, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
}

int64_t mono_to_real(uint64_t mono_ns, int64_t offset_ns)
{
	int64_t real;

	if (mono_ns > INT64_MAX)
		mono_ns = INT64_MAX;
	if (__builtin_add_overflow((int64_t)mono_ns, offset_ns, &real))
		return offset_ns > 0 ? INT64_MAX : 0;
	return real < 0 ? 0 : real;
}

void time_iso8601(char *buf, size_t len, int64_t real_ns)
{
	/* events come many a second: the date and time part is made once a second */
	static __thread time_t last_sec = -1;
	static __thread char last[32];
	time_t sec;
	struct tm tm;

	if (real_ns < 0)
		real_ns = 0;
	sec = real_ns / 1000000000ll;
	if (sec != last_sec) {
		gmtime_r(&sec, &tm);
		strftime(last, sizeof(last), "%Y-%m-%dT%H:%M:%S", &tm);
		last_sec = sec;
	}
	snprintf(buf, len, "%s.%06lldZ", last, (long long)(real_ns % 1000000000ll) / 1000);
}
