/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WW_OUT_LEAKS_H
#define WW_OUT_LEAKS_H

#include <stdio.h>
#include "leaks.h"

struct json_writer;

/* One outbound endpoint's TIME_WAIT diagnosis, named. */
struct tw_row {
	char endpoint[WW_ADDRPORT_LEN + 16];
	__u32 netns;
	struct tw_diag d;
};

void out_leaks_term(FILE *f, const struct leak_report *r);
void out_leaks_json(struct json_writer *jw, const struct leak_report *r);
/* A few lines under top's table: the heaviest owners. */
void out_leaks_lines(FILE *f, const struct leak_report *r, uint64_t min_age_ns, size_t max);
void out_tw_term(FILE *f, const struct tw_row *rows, size_t n);
void out_tw_json(struct json_writer *jw, const struct tw_row *rows, size_t n);

#endif
