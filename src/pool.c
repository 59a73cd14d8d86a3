// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pool.h"

#define MIN_CAPACITY 64

static struct pool_node *node(const struct pool *p, uint32_t idx)
{
	return pool_entry(p, idx);
}

int pool_init(struct pool *p, size_t entry_size, uint32_t max_entries)
{
	memset(p, 0, sizeof(*p));
	p->entry_size = entry_size;
	p->max_entries = max_entries;
	p->free_head = POOL_NIL;
	p->nbuckets = MIN_CAPACITY;
	p->buckets = malloc(p->nbuckets * sizeof(*p->buckets));
	if (!p->buckets)
		return -ENOMEM;
	memset(p->buckets, 0xff, p->nbuckets * sizeof(*p->buckets));
	return 0;
}

void pool_free(struct pool *p)
{
	free(p->entries);
	free(p->buckets);
	memset(p, 0, sizeof(*p));
}

uint32_t pool_first(const struct pool *p, uint32_t hash)
{
	uint32_t idx = p->buckets[hash & (p->nbuckets - 1)];

	while (idx != POOL_NIL && node(p, idx)->hash != hash)
		idx = node(p, idx)->next;
	return idx;
}

uint32_t pool_next_same(const struct pool *p, uint32_t idx)
{
	uint32_t hash = node(p, idx)->hash;

	for (idx = node(p, idx)->next; idx != POOL_NIL; idx = node(p, idx)->next)
		if (node(p, idx)->hash == hash)
			return idx;
	return POOL_NIL;
}

/* Keep chains short: one bucket per entry, rehashing in place. */
static int grow_buckets(struct pool *p)
{
	uint32_t n = p->nbuckets * 2, *b;

	b = malloc(n * sizeof(*b));
	if (!b)
		return -ENOMEM;
	memset(b, 0xff, n * sizeof(*b));
	for (uint32_t i = 0; i < p->high; i++) {
		struct pool_node *nd = node(p, i);

		if (!nd->in_use)
			continue;
		nd->next = b[nd->hash & (n - 1)];
		b[nd->hash & (n - 1)] = i;
	}
	free(p->buckets);
	p->buckets = b;
	p->nbuckets = n;
	return 0;
}

static int grow_entries(struct pool *p)
{
	uint64_t n = p->capacity ? (uint64_t)p->capacity * 2 : MIN_CAPACITY;
	uint8_t *e;

	if (n > p->max_entries)
		n = p->max_entries;
	if (n <= p->capacity)
		return -ENOSPC;
	e = realloc(p->entries, n * p->entry_size);
	if (!e)
		return -ENOMEM;
	p->entries = e;
	p->capacity = n;
	return 0;
}

static uint32_t take_slot(struct pool *p)
{
	uint32_t idx = p->free_head;

	if (idx != POOL_NIL) {
		p->free_head = node(p, idx)->next;
		return idx;
	}
	if (p->high == p->capacity && grow_entries(p))
		return POOL_NIL;
	return p->high++;
}

uint32_t pool_insert(struct pool *p, uint32_t hash)
{
	struct pool_node *nd;
	uint32_t idx, b;

	if (p->count >= p->max_entries)
		return POOL_NIL;
	if (p->count >= p->nbuckets && grow_buckets(p))
		return POOL_NIL;
	idx = take_slot(p);
	if (idx == POOL_NIL)
		return POOL_NIL;
	nd = node(p, idx);
	memset(nd, 0, p->entry_size);
	b = hash & (p->nbuckets - 1);
	nd->hash = hash;
	nd->in_use = 1;
	nd->next = p->buckets[b];
	p->buckets[b] = idx;
	p->count++;
	return idx;
}

void pool_remove(struct pool *p, uint32_t idx)
{
	struct pool_node *nd = node(p, idx);
	uint32_t *link = &p->buckets[nd->hash & (p->nbuckets - 1)];

	while (*link != idx)
		link = &node(p, *link)->next;
	*link = nd->next;
	nd->in_use = 0;
	nd->next = p->free_head;
	p->free_head = idx;
	p->count--;
}

size_t pool_bytes(const struct pool *p)
{
	return (size_t)p->capacity * p->entry_size + (size_t)p->nbuckets * sizeof(uint32_t);
}

/*
 * Eight bytes at a time, each multiplied and folded in (the finaliser of
 * splitmix64/murmur3): keys are 8 to 60 bytes, hashed at every event.
 */
uint32_t pool_hash(const void *data, size_t len, uint32_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull), k;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&k, p, 8);
		k *= 0xbf58476d1ce4e5b9ull;
		k ^= k >> 31;
		h = (h ^ k) * 0x94d049bb133111ebull;
	}
	if (len) {
		k = 0;
		memcpy(&k, p, len);
		h = (h ^ (k * 0xff51afd7ed558ccdull)) * 0x94d049bb133111ebull;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}
