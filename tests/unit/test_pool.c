// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for src/pool.c: the bounded table and hash index behind the collector. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pool.h"

struct ent {
	uint64_t key;
	uint64_t val;
};

static uint32_t key_hash(uint64_t key)
{
	return pool__hash(&key, sizeof(key), 0);
}

static struct ent *ent_at(const struct pool *p, uint32_t idx)
{
	return pool__entry(p, idx);
}

static uint32_t insert_key(struct pool *p, uint64_t key, uint32_t hash)
{
	uint32_t idx = pool__insert(p, hash);

	if (idx != POOL_NIL) {
		ent_at(p, idx)->key = key;
		ent_at(p, idx)->val = key * 3;
	}
	return idx;
}

static uint32_t find_key(const struct pool *p, uint64_t key, uint32_t hash)
{
	struct pool_probe pr;

	for (uint32_t idx = pool__first(p, hash, &pr); idx != POOL_NIL; idx = pool__next(p, &pr))
		if (ent_at(p, idx)->key == key)
			return idx;
	return POOL_NIL;
}

/* The keys indexed under hash, as a bit set of keys < 64. */
static uint64_t keys_under(const struct pool *p, uint32_t hash)
{
	struct pool_probe pr;
	uint64_t set = 0;
	int n = 0;

	for (uint32_t idx = pool__first(p, hash, &pr); idx != POOL_NIL; idx = pool__next(p, &pr)) {
		assert_true(pool__in_use(p, idx));
		if (ent_at(p, idx)->key < 64) /* another hash may share the bits compared */
			set |= 1ull << ent_at(p, idx)->key;
		assert_true(++n <= 64); /* no loop */
	}
	return set;
}

static uint32_t h_few(uint64_t key)
{
	return (uint32_t)(key % 37) * 0x07000001u; /* many keys per hash, hashes close together */
}

static int init(struct pool *p, uint32_t max)
{
	return pool__init(p, sizeof(struct ent), max);
}

/*
 * The index at most 3/4 full, every slot reachable from its home without
 * an empty slot in between, every entry in use indexed once.
 */
static void check_index(const struct pool *p)
{
	uint32_t n = 0;

	assert_true((uint64_t)p->nindexed * 4 <= (uint64_t)p->nslots * 3);
	for (uint32_t i = 0; i < p->nslots; i++) {
		if (!p->slots[i].idx1)
			continue;
		n++;
		assert_true(pool__in_use(p, p->slots[i].idx1 - 1));
		for (uint32_t j = pool__home(p, p->slots[i].hash); j != i; j = (j + 1) % p->nslots)
			assert_true(p->slots[j].idx1);
	}
	assert_int_equal(n, p->nindexed);
	assert_int_equal(n, p->count);
}

static void test_insert_find_remove(void **state)
{
	struct pool p;
	uint32_t idx[11], again;

	assert_int_equal(init(&p, 1000), 0);
	assert_int_equal(p.count, 0);
	assert_int_equal(find_key(&p, 1, key_hash(1)), POOL_NIL);
	for (uint64_t k = 1; k <= 10; k++) {
		idx[k] = insert_key(&p, k, key_hash(k));
		assert_int_not_equal(idx[k], POOL_NIL);
	}
	assert_int_equal(p.count, 10);
	for (uint64_t k = 1; k <= 10; k++) {
		assert_int_equal(find_key(&p, k, key_hash(k)), idx[k]);
		assert_int_equal(ent_at(&p, idx[k])->val, k * 3);
		assert_true(pool__in_use(&p, idx[k]));
	}
	assert_int_equal(find_key(&p, 11, key_hash(11)), POOL_NIL);

	pool__remove(&p, idx[5], key_hash(5));
	assert_int_equal(p.count, 9);
	assert_false(pool__in_use(&p, idx[5]));
	assert_int_equal(find_key(&p, 5, key_hash(5)), POOL_NIL);
	for (uint64_t k = 1; k <= 10; k++)
		if (k != 5)
			assert_int_equal(find_key(&p, k, key_hash(k)), idx[k]);

	/* the freed slot is reused first */
	again = pool__insert(&p, key_hash(50));
	assert_int_equal(again, idx[5]);
	ent_at(&p, again)->key = 50;
	assert_int_equal(find_key(&p, 50, key_hash(50)), again);
	assert_int_equal(find_key(&p, 5, key_hash(5)), POOL_NIL);
	assert_int_equal(p.count, 10);
	assert_int_equal(p.high, 10);

	/* remove them all */
	for (uint64_t k = 1; k <= 10; k++)
		pool__remove(&p, k == 5 ? again : idx[k], key_hash(k == 5 ? 50 : k));
	check_index(&p);
	assert_int_equal(p.count, 0);
	for (uint64_t k = 1; k <= 10; k++)
		assert_int_equal(find_key(&p, k, key_hash(k)), POOL_NIL);
	assert_true(pool__bytes(&p) > 0);
	pool__free(&p);
}

static void test_growth_to_thousands(void **state)
{
	enum { N = 40000 }; /* over several chunks of 16,384 */
	struct pool p;
	uint32_t *idx = calloc(2 * N, sizeof(*idx));

	assert_non_null(idx);
	assert_int_equal(init(&p, 1u << 20), 0);
	for (uint64_t k = 0; k < N; k++) {
		idx[k] = insert_key(&p, k, key_hash(k));
		assert_int_not_equal(idx[k], POOL_NIL);
	}
	assert_int_equal(p.count, N);
	assert_true(p.capacity >= N);
	assert_true(p.nchunks > 2);
	assert_true(p.capacity - N < (1u << p.chunk_shift)); /* at most a chunk of slack */
	assert_true((uint64_t)p.nslots * 53 <= (uint64_t)N * 100); /* at least 53 % full */
	check_index(&p);
	/* indexes survive the moves of the first chunk and the growth of the index */
	for (uint64_t k = 0; k < N; k++) {
		assert_int_equal(find_key(&p, k, key_hash(k)), idx[k]);
		assert_int_equal(ent_at(&p, idx[k])->val, k * 3);
	}

	for (uint64_t k = 0; k < N; k += 2)
		pool__remove(&p, idx[k], key_hash(k));
	assert_int_equal(p.count, N / 2);
	check_index(&p);
	for (uint64_t k = 0; k < N; k++)
		assert_int_equal(find_key(&p, k, key_hash(k)), k % 2 ? idx[k] : POOL_NIL);

	/* new keys fill the freed slots first */
	for (uint64_t k = N; k < N + N / 2; k++) {
		idx[k] = insert_key(&p, k, key_hash(k));
		assert_int_not_equal(idx[k], POOL_NIL);
	}
	assert_int_equal(p.count, N);
	assert_int_equal(p.high, N);
	for (uint64_t k = 1; k < N; k += 2)
		assert_int_equal(find_key(&p, k, key_hash(k)), idx[k]);
	for (uint64_t k = N; k < N + N / 2; k++)
		assert_int_equal(find_key(&p, k, key_hash(k)), idx[k]);
	assert_true(pool__bytes(&p) >= (size_t)N * sizeof(struct ent));

	pool__free(&p);
	free(idx);
}

static void test_full_table(void **state)
{
	struct pool p;
	uint32_t first = POOL_NIL, idx;

	/* not a power of two, above the first allocation */
	assert_int_equal(init(&p, 100), 0);
	for (uint64_t k = 0; k < 100; k++) {
		idx = insert_key(&p, k, key_hash(k));
		assert_int_not_equal(idx, POOL_NIL);
		if (k == 0)
			first = idx;
	}
	assert_int_equal(p.count, 100);
	assert_int_equal(pool__insert(&p, key_hash(100)), POOL_NIL);
	assert_int_equal(pool__insert(&p, key_hash(101)), POOL_NIL);
	assert_int_equal(p.count, 100);
	assert_int_equal(p.capacity, 100);
	for (uint64_t k = 0; k < 100; k++)
		assert_int_not_equal(find_key(&p, k, key_hash(k)), POOL_NIL);

	pool__remove(&p, first, key_hash(0));
	idx = insert_key(&p, 100, key_hash(100));
	assert_int_equal(idx, first);
	assert_int_equal(pool__insert(&p, key_hash(101)), POOL_NIL);
	assert_int_equal(find_key(&p, 100, key_hash(100)), idx);
	pool__free(&p);

	/* one entry */
	assert_int_equal(init(&p, 1), 0);
	assert_int_not_equal(pool__insert(&p, 7), POOL_NIL);
	assert_int_equal(pool__insert(&p, 8), POOL_NIL);
	pool__free(&p);

	/* none */
	assert_int_equal(init(&p, 0), 0);
	assert_int_equal(pool__insert(&p, 7), POOL_NIL);
	assert_int_equal(find_key(&p, 7, 7), POOL_NIL);
	pool__free(&p);
}

static uint32_t h_collide(uint64_t key)
{
	const uint32_t h = 0xdeadbeefu;

	if (key <= 5)
		return h;
	if (key <= 7)
		return h ^ 1u; /* the same home, another hash */
	return key_hash(key);
}

static void test_hash_collisions(void **state)
{
	struct pool p;
	uint32_t idx[8], i;

	assert_int_equal(init(&p, 10000), 0);
	for (i = 1; i <= 7; i++)
		idx[i] = insert_key(&p, i, h_collide(i));
	assert_int_equal(keys_under(&p, h_collide(1)) & 0x3eu, 0x3eu); /* keys 1..5 */
	assert_int_equal(keys_under(&p, h_collide(6)) & 0xc0u, 0xc0u); /* 6, 7 */
	check_index(&p);

	/* out of the middle of the run, then its end */
	pool__remove(&p, idx[3], h_collide(3));
	assert_int_equal(keys_under(&p, h_collide(1)) & 0x3eu, 0x36u);
	check_index(&p);
	pool__remove(&p, idx[7], h_collide(7));
	assert_int_equal(keys_under(&p, h_collide(1)) & 0x3eu, 0x36u);
	assert_int_equal(keys_under(&p, h_collide(6)) & 0xc0u, 0x40u);
	check_index(&p);

	/* the runs survive the rebuilds of the index */
	for (uint64_t k = 100; k < 1100; k++)
		assert_int_not_equal(insert_key(&p, k, key_hash(k)), POOL_NIL);
	assert_true(p.nslots >= 1000);
	check_index(&p);
	assert_int_equal(keys_under(&p, h_collide(1)) & 0x3eu, 0x36u);
	pool__free(&p);
}

static void test_hash_function(void **state)
{
	const char a[] = "198.51.100.1", b[] = "198.51.100.2";

	assert_int_equal(pool__hash(a, sizeof(a), 0), pool__hash(a, sizeof(a), 0));
	assert_int_not_equal(pool__hash(a, sizeof(a), 0), pool__hash(b, sizeof(b), 0));
	assert_int_not_equal(pool__hash(a, sizeof(a), 0), pool__hash(a, sizeof(a), 1));

	/* consecutive keys spread over the high bits (where a slot is) */
	{
		uint8_t seen[64] = { 0 };
		int used = 0;

		for (uint64_t k = 0; k < 64; k++)
			seen[key_hash(k) >> 26] = 1;
		for (int j = 0; j < 64; j++)
			used += seen[j];
		assert_true(used >= 32);
		memset(seen, 0, sizeof(seen));
		used = 0;
		for (uint64_t k = 0; k < 64; k++)
			seen[pool_hash64(k, 0) >> 26] = 1;
		for (int j = 0; j < 64; j++)
			used += seen[j];
		assert_true(used >= 32);
	}
}

/* Entries outside the index, and an entry moved from a key to another. */
static void test_unindexed_and_rekey(void **state)
{
	struct pool p;
	uint32_t a, b;

	assert_int_equal(pool__init(&p, sizeof(struct ent), 10), 0);
	a = pool__alloc(&p);
	b = pool__alloc(&p);
	assert_int_not_equal(a, POOL_NIL);
	assert_int_not_equal(b, a);
	assert_int_equal(p.count, 2);
	assert_int_equal(p.nindexed, 0);
	assert_true(pool__in_use(&p, a) && pool__in_use(&p, b));
	pool__release(&p, a);
	assert_false(pool__in_use(&p, a));
	assert_int_equal(pool__alloc(&p), a);
	pool__free(&p);

	assert_int_equal(init(&p, 10), 0);
	a = insert_key(&p, 1, key_hash(1));
	assert_int_equal(find_key(&p, 1, key_hash(1)), a);
	ent_at(&p, a)->key = 2;
	assert_int_equal(pool__rekey(&p, a, key_hash(1), key_hash(2)), 0);
	assert_int_equal(find_key(&p, 1, key_hash(1)), POOL_NIL);
	assert_int_equal(find_key(&p, 2, key_hash(2)), a);
	assert_int_equal(p.count, 1);
	check_index(&p);
	pool__free(&p);
}

/* Random inserts and removals on few hashes, against a plain array. */
static void test_random_against_model(void **state)
{
	enum { N = 3000, KEYS = 600 };
	uint32_t where[KEYS];
	uint64_t rng = 0x1234567;
	struct pool p;

	assert_int_equal(init(&p, KEYS), 0);
	for (int k = 0; k < KEYS; k++)
		where[k] = POOL_NIL;
	for (int i = 0; i < N; i++) {
		uint32_t k, h;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		k = (uint32_t)(rng >> 33) % KEYS;
		h = h_few(k);
		if (where[k] == POOL_NIL) {
			where[k] = insert_key(&p, k, h);
			assert_int_not_equal(where[k], POOL_NIL);
		} else {
			pool__remove(&p, where[k], h);
			where[k] = POOL_NIL;
		}
		if (i % 100)
			continue;
		check_index(&p);
		for (uint32_t j = 0; j < KEYS; j++)
			assert_int_equal(find_key(&p, j, h_few(j)), where[j]);
	}
	pool__free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_find_remove),
		cmocka_unit_test(test_growth_to_thousands),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_hash_collisions),
		cmocka_unit_test(test_unindexed_and_rekey),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_hash_function),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
