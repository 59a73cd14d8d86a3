// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What the diagram's three writers share: the choice of one, a buffer, the window. */
#include <errno.h>
#include <stdlib.h>
#include "format.h"
#include "out_diagram.h"

int out_diagram(FILE *f, const struct diagram *d, enum diagram_format fmt)
{
	switch (fmt) {
	case DIAGRAM_DOT:
		return out_dot_diagram(f, d);
	case DIAGRAM_JSON:
		return out_json_diagram(f, d);
	case DIAGRAM_SVG:
		break;
	}
	return out_svg_diagram(f, d);
}

int out_diagram_buf(const struct diagram *d, enum diagram_format fmt, char **buf, size_t *len)
{
	FILE *f;
	int err;

	*buf = NULL;
	*len = 0;
	f = open_memstream(buf, len);
	if (!f)
		return -ENOMEM;
	err = out_diagram(f, d, fmt);
	/* the stream's buffer is whole only once it is closed */
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return err;
}

void diagram_window(const struct diagram *d, char *from, char *to, size_t len, double *seconds)
{
	time_iso8601(from, len, mono_to_real(d->start_ns, d->mono_to_real_ns));
	time_iso8601(to, len, mono_to_real(d->end_ns, d->mono_to_real_ns));
	*seconds = d->end_ns > d->start_ns ? (d->end_ns - d->start_ns) / 1e9 : 0;
}
