/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Recordings on disk: the files that record.h's writer and reader are handed. */
#ifndef WW_RECORD_FILE_H
#define WW_RECORD_FILE_H

#include <stddef.h>
#include "record.h"

/*
 * Create (or truncate) path, locked against a second writer, and write the
 * header. NULL with err set.
 */
struct rec_writer *rec_writer__open(const char *path, const struct rec_meta *meta, char *err,
				   size_t errlen);

/*
 * Open path for reading. Only a regular file: a FIFO or a device is refused
 * before anything is read from it, so that nothing blocks. NULL with err set.
 */
struct rec_reader *rec_reader__open(const char *path, char *err, size_t errlen);

#endif
