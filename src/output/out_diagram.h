/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The TCP state diagram (core/diagram.h) as a standalone SVG, as Graphviz
 * DOT, or as the JSON model (docs/output.md). The HTTP server renders into
 * a buffer with out_diagram_buf().
 */
#ifndef WW_OUT_DIAGRAM_H
#define WW_OUT_DIAGRAM_H

#include <stdio.h>
#include "diagram.h"

enum diagram_format {
	DIAGRAM_SVG,
	DIAGRAM_DOT,
	DIAGRAM_JSON,
};

/* Each writes the whole document onto f; 0, or -EIO when f failed. */
int out_svg_diagram(FILE *f, const struct diagram *d);
int out_dot_diagram(FILE *f, const struct diagram *d);
int out_json_diagram(FILE *f, const struct diagram *d);

/* One of the three onto f. */
int out_diagram(FILE *f, const struct diagram *d, enum diagram_format fmt);

/*
 * One of the three into a buffer of its own (malloc'd, NUL-terminated,
 * free() it): 0, or -ENOMEM / -EIO with *buf NULL.
 */
int out_diagram_buf(const struct diagram *d, enum diagram_format fmt, char **buf, size_t *len);

/* The window as "2026-12-08T01:02:03.000000Z" pair and its length in seconds. */
void diagram_window(const struct diagram *d, char *from, char *to, size_t len, double *seconds);

#endif
