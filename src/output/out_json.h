/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The JSON lines of `top --json`, `snapshot --json` and `report --json`: one
 * object per endpoint, then a totals object (docs/output.md).
 */
#ifndef WW_OUT_JSON_H
#define WW_OUT_JSON_H

#include <stdio.h>
#include "view.h"

struct json_writer;
void out_json_snapshot(struct json_writer *jw, const struct snapshot *s,
		       const struct view_opts *v, const struct view_meta *m);

#endif
