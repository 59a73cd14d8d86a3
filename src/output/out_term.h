/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The terminal table of `top`, `snapshot` and `report`: a header, then one row
 * per endpoint, worst first, at most v->max_rows of them (0: all).
 */
#ifndef WW_OUT_TERM_H
#define WW_OUT_TERM_H

#include <stdio.h>
#include "view.h"

void out_term_snapshot(FILE *f, const struct snapshot *s, const struct view_opts *v,
		       const struct view_meta *m);

#endif
