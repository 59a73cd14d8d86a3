/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A bounded table of fixed-size entries addressed by index, with an
 * optional hash index over them.
 *
 * Entries live in chunks of up to 256 KiB: the first grows by doubling,
 * the others are allocated whole (the last only as large as max_entries
 * needs), so that a million sockets cost a few hundred allocations and at
 * most one chunk of slack. An entry carries no header: a bit per entry says
 * which are in use, and a released entry's first 4 bytes link the free list.
 * Indexes stay valid until the entry is released, pointers only until the
 * next allocation (the first chunk may move while it grows).
 *
 * The index is open addressing with linear probing, 8 bytes a slot: the
 * entry's 32-bit hash next to its number, so that a probe reads an entry
 * only when the hashes are equal, and neither removing (backward shift, no
 * tombstone) nor growing reads any entry. It grows by 40 % when 3/4 full,
 * so it is between 53 and 75 % full: 10.7 to 15 bytes per entry.
 *
 * When full, pool_alloc and pool_insert fail and the caller counts what it
 * could not keep.
 */
#ifndef WW_POOL_H
#define WW_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POOL_NIL UINT32_MAX
#define POOL_MAX_ENTRIES (1u << 28)

struct pool_slot {
	uint32_t hash;
	uint32_t idx1; /* entry number + 1; 0: empty */
};

struct pool {
	uint8_t **chunks;
	uint32_t nchunks;     /* allocated */
	uint32_t chunks_cap;  /* room in chunks[] */
	uint32_t chunk_shift; /* entries per chunk: 1 << chunk_shift */
	uint32_t capacity;    /* entries allocated */
	size_t entry_size;
	uint32_t high;        /* entries ever handed out: [0, high) */
	uint32_t count;       /* in use */
	uint32_t max_entries;
	uint32_t free_head;
	uint64_t *used;       /* a bit per allocated entry */
	struct pool_slot *slots;
	uint32_t nslots;      /* 0 until the first pool_insert */
	uint32_t nindexed;
};

/* A lookup in progress: see pool__first(). */
struct pool_probe {
	uint32_t pos;
	uint32_t hash;
};

/* Returns 0 or -EINVAL. entry_size >= 4; max_entries is capped at POOL_MAX_ENTRIES. */
int pool__init(struct pool *p, size_t entry_size, uint32_t max_entries);
void pool__free(struct pool *p);

static inline void *pool__entry(const struct pool *p, uint32_t idx)
{
	return p->chunks[idx >> p->chunk_shift] +
	       (size_t)(idx & ((1u << p->chunk_shift) - 1)) * p->entry_size;
}

static inline bool pool__in_use(const struct pool *p, uint32_t idx)
{
	return idx < p->high && (p->used[idx / 64] >> (idx % 64) & 1);
}

/* An entry, not indexed, its contents undefined; POOL_NIL when full or out of memory. */
uint32_t pool__alloc(struct pool *p);
void pool__release(struct pool *p, uint32_t idx);

/* An entry indexed under hash, its contents undefined; POOL_NIL when full or out of memory. */
uint32_t pool__insert(struct pool *p, uint32_t hash);
void pool__remove(struct pool *p, uint32_t idx, uint32_t hash);
/* The entry's key changed: index it under new_hash. 0, or -ENOMEM (then still under old). */
int pool__rekey(struct pool *p, uint32_t idx, uint32_t old_hash, uint32_t new_hash);

static inline uint32_t pool__home(const struct pool *p, uint32_t hash)
{
	return (uint32_t)(((uint64_t)hash * p->nslots) >> 32);
}

/*
 * The entries indexed under a hash, one per call: pool__first() then
 * pool__next() until POOL_NIL. The caller compares the keys. No insert or
 * removal in between.
 */
static inline uint32_t pool__next(const struct pool *p, struct pool_probe *pr)
{
	for (;;) {
		const struct pool_slot *s = &p->slots[pr->pos];

		if (!s->idx1)
			return POOL_NIL;
		pr->pos = pr->pos + 1 == p->nslots ? 0 : pr->pos + 1;
		if (s->hash == pr->hash)
			return s->idx1 - 1;
	}
}

static inline uint32_t pool__first(const struct pool *p, uint32_t hash, struct pool_probe *pr)
{
	pr->hash = hash;
	pr->pos = 0;
	if (!p->nslots)
		return POOL_NIL;
	pr->pos = pool__home(p, hash);
	return pool__next(p, pr);
}

/* Memory held, in bytes. */
size_t pool__bytes(const struct pool *p);

/* 32-bit hash of a byte string. */
uint32_t pool__hash(const void *data, size_t len, uint32_t seed);

/* 32-bit hash of a 64-bit number. */
static inline uint32_t pool_hash64(uint64_t v, uint32_t seed)
{
	v ^= seed * 0x9e3779b97f4a7c15ull;
	v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
	v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)(v ^ (v >> 31));
}

#endif
