// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "owner_map.h"

static int cmp_fd(const void *a, const void *b)
{
	const struct owner_fd *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

int owner_map__add(struct owner_map *m, uint64_t ino, uint32_t pid, uint32_t fd)
{
	struct owner_fd *p;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;

		p = realloc(m->fds, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		m->fds = p;
		m->cap = cap;
	}
	m->fds[m->n++] = (struct owner_fd){ .ino = ino, .pid = pid, .fd = fd };
	return 0;
}

void owner_map__sort(struct owner_map *m)
{
	if (!m->n)
		return; /* no array yet: qsort must not see NULL, even for 0 items */
	qsort(m->fds, m->n, sizeof(*m->fds), cmp_fd);
}

const struct owner_fd *owner_map__find(const struct owner_map *m, uint64_t ino, size_t *count)
{
	size_t lo = 0, hi = m->n, first;

	*count = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->fds[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < m->n && m->fds[lo].ino == ino)
		lo++;
	*count = lo - first;
	return *count ? &m->fds[first] : NULL;
}

void owner_map__free(struct owner_map *m)
{
	free(m->fds);
	memset(m, 0, sizeof(*m));
}
