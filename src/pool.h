/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A bounded hash table of fixed-size entries, addressed by index.
 *
 * Entries live in one array that grows by doubling up to max_entries, so
 * that a million sockets cost one allocation, not a million; chains link
 * entries by 32-bit index. Indexes stay valid until the entry is removed,
 * pointers only until the next insert (the array may move).
 * Each entry starts with a struct pool_node. When full, pool_insert fails
 * and the caller counts what it could not keep.
 */
#ifndef WW_POOL_H
#define WW_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POOL_NIL UINT32_MAX

struct pool_node {
	uint32_t next;  /* chain or free list */
	uint32_t hash;
	uint8_t in_use;
	uint8_t _pad[3];
};

struct pool {
	uint8_t *entries;
	size_t entry_size;
	uint32_t capacity;    /* allocated entries */
	uint32_t high;        /* entries ever handed out: [0, high) */
	uint32_t count;       /* in use */
	uint32_t max_entries;
	uint32_t free_head;
	uint32_t *buckets;
	uint32_t nbuckets;    /* power of two */
};

/* Returns 0 or -ENOMEM. entry_size includes the leading pool_node. */
int pool_init(struct pool *p, size_t entry_size, uint32_t max_entries);
void pool_free(struct pool *p);

static inline void *pool_entry(const struct pool *p, uint32_t idx)
{
	return p->entries + (size_t)idx * p->entry_size;
}

static inline bool pool_in_use(const struct pool *p, uint32_t idx)
{
	return ((struct pool_node *)pool_entry(p, idx))->in_use;
}

/* First entry in the chain of hash, then the next one with the same hash. */
uint32_t pool_first(const struct pool *p, uint32_t hash);
uint32_t pool_next_same(const struct pool *p, uint32_t idx);

/* A zeroed entry chained under hash; POOL_NIL when full or out of memory. */
uint32_t pool_insert(struct pool *p, uint32_t hash);
void pool_remove(struct pool *p, uint32_t idx);

/* Memory held, in bytes. */
size_t pool_bytes(const struct pool *p);

/* 32-bit hash of a byte string (FNV-1a, then mixed). */
uint32_t pool_hash(const void *data, size_t len, uint32_t seed);

#endif
