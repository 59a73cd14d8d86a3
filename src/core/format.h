/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Turning kernel values into the text users read: states, addresses, ages. */
#ifndef WW_FORMAT_H
#define WW_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Longest "[ipv6]:port" plus NUL. */
#define WW_ADDRPORT_LEN 56
#define WW_ADDR_LEN 48

/* "ESTABLISHED", "SYN_SENT", ... "NEW_SYN_RECV"; "UNKNOWN" out of range. */
const char *tcp_state_name(int state);

/*
 * Text from the kernel, /proc, a recording or the command line, made safe
 * for a terminal: every control byte (below 0x20, and DEL) becomes '?', so
 * that no escape sequence reaches the screen and a line stays one line. At
 * most srclen bytes of src (up to a NUL); dst always ends in a NUL. Returns dst.
 */
char *text_printable(char *dst, size_t len, const char *src, size_t srclen);

/*
 * Parse one state name, case-insensitive, '-' and '_' alike: the names
 * above, plus ss's short forms ("estab", "syn-sent", "time-wait",
 * "close-wait", ...). Returns the state number or -1.
 */
int tcp_state_parse(const char *s);

/* True for an IPv4 address mapped into IPv6 (::ffff:a.b.c.d). */
bool addr_is_v4mapped(const uint8_t addr[16]);

/*
 * The family an address is shown in: 4 for AF_INET and for v4-mapped
 * AF_INET6 addresses, else 6.
 */
int addr_display_family(int family, const uint8_t addr[16]);

/*
 * Address as text: IPv4 from the first 4 bytes when family is AF_INET,
 * v4-mapped IPv6 shown as IPv4, other IPv6 in RFC 5952 form (inet_ntop).
 */
void addr_format(char *buf, size_t len, int family, const uint8_t addr[16]);

/* "198.51.100.1:80", "[2001:db8::1]:80", v4-mapped shown as IPv4. */
void addrport_format(char *buf, size_t len, int family, const uint8_t addr[16], uint16_t port);

/*
 * Compact age for tables: "0s" .. "59s", "1m05s", "1h02m", "2d04h".
 * Below one second: "0s".
 */
void age_format(char *buf, size_t len, uint64_t ns);

/*
 * Wall-clock nanoseconds of a CLOCK_MONOTONIC time, given their offset;
 * saturated (a recording may hold any value), never below 0.
 */
int64_t mono_to_real(uint64_t mono_ns, int64_t offset_ns);

/* "2026-11-28T22:10:01.123456Z" from nanoseconds since the epoch (UTC). */
void time_iso8601(char *buf, size_t len, int64_t real_ns);

#endif
