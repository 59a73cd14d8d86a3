/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small streaming JSON writer: it tracks nesting and commas, and escapes
 * every string so that the output is valid UTF-8 JSON whatever the bytes.
 */
#ifndef WW_JSON_WRITER_H
#define WW_JSON_WRITER_H

#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

struct json_writer;

/* Writes to f (not owned). NULL on allocation failure. */
struct json_writer *jw__new(FILE *f);
void jw__free(struct json_writer *jw);

void jw__start_object(struct json_writer *jw);
/* Closing the outermost value ends the line: one JSON document per line. */
void jw__end_object(struct json_writer *jw);
void jw__start_array(struct json_writer *jw);
void jw__end_array(struct json_writer *jw);

/* Member name inside an object; the next value call is its value. */
void jw__name(struct json_writer *jw, const char *name);

void jw__string(struct json_writer *jw, const char *s);
/* Up to len bytes of s, stopping at a NUL: for fixed-size fields like comm. */
void jw__string_n(struct json_writer *jw, const char *s, size_t len);
void jw__uint(struct json_writer *jw, uint64_t v);
void jw__int(struct json_writer *jw, int64_t v);
/* Shortest round-tripping form ("%.17g" trimmed); non-finite values as null. */
void jw__double(struct json_writer *jw, double v);
/* v / 10^scale with scale decimals, exactly: 412 with 3 gives 0.412. */
void jw__decimal(struct json_writer *jw, uint64_t v, int scale);
/* Fixed decimals, e.g. milliseconds with 3. */
void jw__fixed(struct json_writer *jw, double v, int decimals);
void jw__bool(struct json_writer *jw, bool v);
void jw__null(struct json_writer *jw);
/* A value rendered before, by this writer or another: written as it is (the caller vouches for it). */
void jw__raw(struct json_writer *jw, const char *json, size_t len);

/* A member: its name, then its value as jw__string, jw__uint, ... write it. */
#define JW_KV(kind, jw, name, ...) (jw__name((jw), (name)), jw__##kind((jw), ##__VA_ARGS__))
#define jw__kv_string(jw, name, s) JW_KV(string, jw, name, s)
#define jw__kv_uint(jw, name, v) JW_KV(uint, jw, name, v)
#define jw__kv_int(jw, name, v) JW_KV(int, jw, name, v)
#define jw__kv_double(jw, name, v) JW_KV(double, jw, name, v)
#define jw__kv_bool(jw, name, v) JW_KV(bool, jw, name, v)
#define jw__kv_null(jw, name) JW_KV(null, jw, name)

/*
 * Escape len bytes (stopping at NUL) as the inside of a JSON string into f:
 * '"' and '\\' escaped, every byte below 0x20 and 0x7f as \u00XX (with \n,
 * \t, \r, \b, \f short forms), valid UTF-8 sequences copied, and every byte
 * that is not part of a valid UTF-8 sequence as \u00XX (read as Latin-1).
 */
void json_escape(FILE *f, const char *s, size_t len);

#endif
