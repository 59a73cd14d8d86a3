// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pool.h"

#define MIN_CAPACITY 64
#define CHUNK_BYTES (256u << 10)
#define MIN_SLOTS 16

int pool__init(struct pool *p, size_t entry_size, uint32_t max_entries)
{
	memset(p, 0, sizeof(*p));
	if (entry_size < sizeof(uint32_t))
		return -EINVAL;
	p->entry_size = entry_size;
	p->max_entries = max_entries < POOL_MAX_ENTRIES ? max_entries : POOL_MAX_ENTRIES;
	p->free_head = POOL_NIL;
	p->chunk_shift = 6;
	while (p->chunk_shift < 20 && ((size_t)2 << p->chunk_shift) * entry_size <= CHUNK_BYTES)
		p->chunk_shift++;
	return 0;
}

void pool__free(struct pool *p)
{
	for (uint32_t i = 0; i < p->nchunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
	free(p->used);
	free(p->slots);
	memset(p, 0, sizeof(*p));
}

static int grow_used(struct pool *p, uint32_t capacity)
{
	size_t words = ((size_t)capacity + 63) / 64, old = ((size_t)p->capacity + 63) / 64;
	uint64_t *u;

	if (words == old)
		return 0;
	u = realloc(p->used, words * sizeof(*u));
	if (!u)
		return -ENOMEM;
	memset(u + old, 0, (words - old) * sizeof(*u));
	p->used = u;
	return 0;
}

static int grow_first(struct pool *p, uint32_t n)
{
	uint8_t *e;

	if (!p->chunks) {
		p->chunks = calloc(1, sizeof(*p->chunks));
		if (!p->chunks)
			return -ENOMEM;
		p->chunks_cap = 1;
		p->nchunks = 1;
	}
	if (grow_used(p, n))
		return -ENOMEM;
	e = realloc(p->chunks[0], (size_t)n * p->entry_size);
	if (!e)
		return -ENOMEM;
	p->chunks[0] = e;
	p->capacity = n;
	return 0;
}

static int add_chunk(struct pool *p, uint32_t n)
{
	uint8_t *e;

	if (p->nchunks == p->chunks_cap) {
		uint8_t **c = realloc(p->chunks, 2 * p->chunks_cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		p->chunks = c;
		p->chunks_cap *= 2;
	}
	if (grow_used(p, p->capacity + n))
		return -ENOMEM;
	e = malloc((size_t)n * p->entry_size);
	if (!e)
		return -ENOMEM;
	p->chunks[p->nchunks++] = e;
	p->capacity += n;
	return 0;
}

/* The first chunk grows by doubling; past it, whole chunks are added. */
static int grow_entries(struct pool *p)
{
	uint32_t chunk = 1u << p->chunk_shift, room = p->max_entries - p->capacity, n;

	if (!room)
		return -ENOSPC;
	if (p->capacity >= chunk)
		return add_chunk(p, room < chunk ? room : chunk);
	n = p->capacity ? p->capacity * 2 : MIN_CAPACITY;
	if (n > chunk)
		n = chunk;
	if (n - p->capacity > room)
		n = p->capacity + room;
	return grow_first(p, n);
}

uint32_t pool__alloc(struct pool *p)
{
	uint32_t idx = p->free_head;

	if (p->count >= p->max_entries)
		return POOL_NIL;
	if (idx != POOL_NIL) {
		memcpy(&p->free_head, pool__entry(p, idx), sizeof(p->free_head));
	} else {
		if (p->high == p->capacity && grow_entries(p))
			return POOL_NIL;
		idx = p->high++;
	}
	p->used[idx / 64] |= 1ull << (idx % 64);
	p->count++;
	return idx;
}

void pool__release(struct pool *p, uint32_t idx)
{
	p->used[idx / 64] &= ~(1ull << (idx % 64));
	memcpy(pool__entry(p, idx), &p->free_head, sizeof(p->free_head));
	p->free_head = idx;
	p->count--;
}

static uint32_t next_pos(const struct pool *p, uint32_t pos)
{
	return pos + 1 == p->nslots ? 0 : pos + 1;
}

/* The first empty slot from hash's home on. */
static void slot_put(struct pool *p, struct pool_slot s)
{
	uint32_t pos = pool__home(p, s.hash);

	while (p->slots[pos].idx1)
		pos = next_pos(p, pos);
	p->slots[pos] = s;
}

/* Past 3/4 full, 40 % larger, from the slots alone. */
static int make_room(struct pool *p)
{
	struct pool_slot *old = p->slots;
	uint32_t nold = p->nslots;
	uint64_t n;

	if (((uint64_t)p->nindexed + 1) * 4 <= (uint64_t)nold * 3)
		return 0;
	n = nold ? (uint64_t)nold * 7 / 5 : MIN_SLOTS;
	if (n > UINT32_MAX)
		return -ENOMEM;
	p->slots = calloc(n, sizeof(*p->slots));
	if (!p->slots) {
		p->slots = old;
		return -ENOMEM;
	}
	p->nslots = (uint32_t)n;
	for (uint32_t i = 0; i < nold; i++)
		if (old[i].idx1)
			slot_put(p, old[i]);
	free(old);
	return 0;
}

static int slot_add(struct pool *p, uint32_t idx, uint32_t hash)
{
	if (make_room(p))
		return -ENOMEM;
	slot_put(p, (struct pool_slot){ .hash = hash, .idx1 = idx + 1 });
	p->nindexed++;
	return 0;
}

/*
 * Take entry idx out: the slots after it, up to an empty one, move back
 * into the hole whenever that is no further from their home than where
 * they are (Knuth's algorithm R), so that no probe ever stops short.
 */
static void slot_del(struct pool *p, uint32_t idx, uint32_t hash)
{
	uint32_t hole = pool__home(p, hash), pos;

	while (p->slots[hole].idx1 != idx + 1) {
		if (!p->slots[hole].idx1)
			return; /* not indexed under hash: the caller's bug, nothing to undo */
		hole = next_pos(p, hole);
	}
	for (pos = next_pos(p, hole); p->slots[pos].idx1; pos = next_pos(p, pos)) {
		uint32_t home = pool__home(p, p->slots[pos].hash);

		/* it may fill the hole if its home is not in (hole, pos] */
		if (hole < pos ? home <= hole || home > pos : home <= hole && home > pos) {
			p->slots[hole] = p->slots[pos];
			hole = pos;
		}
	}
	p->slots[hole].idx1 = 0;
	p->nindexed--;
}

uint32_t pool__insert(struct pool *p, uint32_t hash)
{
	uint32_t idx = pool__alloc(p);

	if (idx != POOL_NIL && slot_add(p, idx, hash)) {
		pool__release(p, idx);
		return POOL_NIL;
	}
	return idx;
}

void pool__remove(struct pool *p, uint32_t idx, uint32_t hash)
{
	slot_del(p, idx, hash);
	pool__release(p, idx);
}

int pool__rekey(struct pool *p, uint32_t idx, uint32_t old_hash, uint32_t new_hash)
{
	if (make_room(p))
		return -ENOMEM;
	slot_del(p, idx, old_hash);
	return slot_add(p, idx, new_hash);
}

size_t pool__bytes(const struct pool *p)
{
	return (size_t)p->capacity * p->entry_size + (size_t)p->chunks_cap * sizeof(*p->chunks) +
	       ((size_t)p->capacity + 63) / 64 * sizeof(uint64_t) +
	       (size_t)p->nslots * sizeof(*p->slots);
}

/*
 * Eight bytes at a time, each multiplied and folded in (the finaliser of
 * splitmix64/murmur3): keys are 8 to 48 bytes.
 */
uint32_t pool__hash(const void *data, size_t len, uint32_t seed)
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
