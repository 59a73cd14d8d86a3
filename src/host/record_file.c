// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "record_file.h"

/*
 * The file is locked before it is truncated: a second writer of the same
 * path (two `record -o FILE`) is refused instead of interleaving blocks. The
 * lock lasts as long as the file is open.
 */
struct rec_writer *rec_writer__open(const char *path, const struct rec_meta *meta, char *err,
				   size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	struct stat st;
	FILE *f;

	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return NULL;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		snprintf(err, errlen, "%s is being written by another waitwatch (%s): choose another "
			 "file", path, strerror(errno));
		close(fd);
		return NULL;
	}
	/* a device (/dev/null, a tape) is written as it is */
	if ((fstat(fd, &st) || (S_ISREG(st.st_mode) && ftruncate(fd, 0))) ||
	    !(f = fdopen(fd, "wb"))) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	return rec_writer__new(f, path, meta, err, errlen);
}

/* O_NONBLOCK: opening a FIFO without a writer would wait for one. */
static int open_regular(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file%s",
			 S_ISDIR(st.st_mode) ? " (a directory)" : "");
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

struct rec_reader *rec_reader__open(const char *path, char *err, size_t errlen)
{
	int fd = open_regular(path, err, errlen);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	return rec_reader__new(f, err, errlen);
}
