// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for src/pool.c: the bounded hash table behind the collector. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pool.h"

struct ent {
	struct pool_node node;
	uint64_t key;
	uint64_t val;
};

static uint32_t key_hash(uint64_t key)
{
	return pool_hash(&key, sizeof(key), 0);
}

static struct ent *ent_at(const struct pool *p, uint32_t idx)
{
	return pool_entry(p, idx);
}

static uint32_t insert_key(struct pool *p, uint64_t key, uint32_t hash)
{
	uint32_t idx = pool_insert(p, hash);

	if (idx != POOL_NIL) {
		ent_at(p, idx)->key = key;
		ent_at(p, idx)->val = key * 3;
	}
	return idx;
}

static uint32_t find_key(const struct pool *p, uint64_t key, uint32_t hash)
{
	for (uint32_t idx = pool_first(p, hash); idx != POOL_NIL; idx = pool_next_same(p, idx))
		if (ent_at(p, idx)->key == key)
			return idx;
	return POOL_NIL;
}

/* The keys chained under hash, as a bit set of keys < 64. */
static uint64_t keys_under(const struct pool *p, uint32_t hash)
{
	uint64_t set = 0;
	int n = 0;

	for (uint32_t idx = pool_first(p, hash); idx != POOL_NIL; idx = pool_next_same(p, idx)) {
		assert_true(pool_in_use(p, idx));
		assert_int_equal(((struct pool_node *)pool_entry(p, idx))->hash, hash);
		assert_true(ent_at(p, idx)->key < 64);
		set |= 1ull << ent_at(p, idx)->key;
		assert_true(++n <= 64); /* no loop */
	}
	return set;
}

static void test_insert_find_remove(void **state)
{
	struct pool p;
	uint32_t idx[11], again;

	assert_int_equal(pool_init(&p, sizeof(struct ent), 1000), 0);
	assert_int_equal(p.count, 0);
	assert_int_equal(pool_first(&p, key_hash(1)), POOL_NIL);
	for (uint64_t k = 1; k <= 10; k++) {
		idx[k] = insert_key(&p, k, key_hash(k));
		assert_int_not_equal(idx[k], POOL_NIL);
	}
	assert_int_equal(p.count, 10);
	for (uint64_t k = 1; k <= 10; k++) {
		assert_int_equal(find_key(&p, k, key_hash(k)), idx[k]);
		assert_int_equal(ent_at(&p, idx[k])->val, k * 3);
		assert_true(pool_in_use(&p, idx[k]));
	}
	assert_int_equal(find_key(&p, 11, key_hash(11)), POOL_NIL);

	pool_remove(&p, idx[5]);
	assert_int_equal(p.count, 9);
	assert_false(pool_in_use(&p, idx[5]));
	assert_int_equal(find_key(&p, 5, key_hash(5)), POOL_NIL);
	for (uint64_t k = 1; k <= 10; k++)
		if (k != 5)
			assert_int_equal(find_key(&p, k, key_hash(k)), idx[k]);

	/* the freed slot is reused, and handed out zeroed */
	again = pool_insert(&p, key_hash(50));
	assert_int_equal(again, idx[5]);
	assert_int_equal(ent_at(&p, again)->key, 0);
	assert_int_equal(ent_at(&p, again)->val, 0);
	ent_at(&p, again)->key = 50;
	assert_int_equal(find_key(&p, 50, key_hash(50)), again);
	assert_int_equal(find_key(&p, 5, key_hash(5)), POOL_NIL);
	assert_int_equal(p.count, 10);
	assert_int_equal(p.high, 10);

	/* remove them all */
	for (uint64_t k = 1; k <= 10; k++)
		pool_remove(&p, k == 5 ? again : idx[k]);
	assert_int_equal(p.count, 0);
	for (uint64_t k = 1; k <= 10; k++)
		assert_int_equal(find_key(&p, k, key_hash(k)), POOL_NIL);
	assert_true(pool_bytes(&p) > 0);
	pool_free(&p);
}

static void test_growth_to_thousands(void **state)
{
	enum { N = 5000 };
	struct pool p;
	uint32_t *idx = calloc(2 * N, sizeof(*idx));

	assert_non_null(idx);
	assert_int_equal(pool_init(&p, sizeof(struct ent), 1u << 20), 0);
	for (uint64_t k = 0; k < N; k++) {
		idx[k] = insert_key(&p, k, key_hash(k));
		assert_int_not_equal(idx[k], POOL_NIL);
	}
	assert_int_equal(p.count, N);
	assert_true(p.capacity >= N);
	assert_true(p.nbuckets >= N);
	assert_int_equal(p.nbuckets & (p.nbuckets - 1), 0);
	/* indexes survive the moves of the array and the rehashes */
	for (uint64_t k = 0; k < N; k++) {
		assert_int_equal(find_key(&p, k, key_hash(k)), idx[k]);
		assert_int_equal(ent_at(&p, idx[k])->val, k * 3);
	}

	for (uint64_t k = 0; k < N; k += 2)
		pool_remove(&p, idx[k]);
	assert_int_equal(p.count, N / 2);
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
	assert_true(pool_bytes(&p) >= (size_t)N * sizeof(struct ent));

	pool_free(&p);
	free(idx);
}

static void test_full_table(void **state)
{
	struct pool p;
	uint32_t first = POOL_NIL, idx;

	/* not a power of two, above the first allocation */
	assert_int_equal(pool_init(&p, sizeof(struct ent), 100), 0);
	for (uint64_t k = 0; k < 100; k++) {
		idx = insert_key(&p, k, key_hash(k));
		assert_int_not_equal(idx, POOL_NIL);
		if (k == 0)
			first = idx;
	}
	assert_int_equal(p.count, 100);
	assert_int_equal(pool_insert(&p, key_hash(100)), POOL_NIL);
	assert_int_equal(pool_insert(&p, key_hash(101)), POOL_NIL);
	assert_int_equal(p.count, 100);
	assert_int_equal(p.capacity, 100);
	for (uint64_t k = 0; k < 100; k++)
		assert_int_not_equal(find_key(&p, k, key_hash(k)), POOL_NIL);

	pool_remove(&p, first);
	idx = insert_key(&p, 100, key_hash(100));
	assert_int_equal(idx, first);
	assert_int_equal(pool_insert(&p, key_hash(101)), POOL_NIL);
	assert_int_equal(find_key(&p, 100, key_hash(100)), idx);
	pool_free(&p);

	/* one entry */
	assert_int_equal(pool_init(&p, sizeof(struct ent), 1), 0);
	assert_int_not_equal(pool_insert(&p, 7), POOL_NIL);
	assert_int_equal(pool_insert(&p, 8), POOL_NIL);
	pool_free(&p);

	/* none */
	assert_int_equal(pool_init(&p, sizeof(struct ent), 0), 0);
	assert_int_equal(pool_insert(&p, 7), POOL_NIL);
	assert_int_equal(pool_first(&p, 7), POOL_NIL);
	pool_free(&p);
}

static void test_hash_collisions(void **state)
{
	const uint32_t h = 0xdeadbeefu;
	const uint32_t h_same_bucket = h ^ 0x80000000u; /* same low bits, other hash */
	struct pool p;
	uint32_t idx[8], i;

	assert_int_equal(pool_init(&p, sizeof(struct ent), 10000), 0);
	for (i = 1; i <= 5; i++)
		idx[i] = insert_key(&p, i, h);
	for (i = 6; i <= 7; i++)
		idx[i] = insert_key(&p, i, h_same_bucket);
	assert_int_equal(keys_under(&p, h), 0x3eu); /* keys 1..5 */
	assert_int_equal(keys_under(&p, h_same_bucket), 0xc0u); /* 6, 7 */
	assert_int_equal(pool_first(&p, h + 1), POOL_NIL);
	for (i = 1; i <= 7; i++)
		assert_int_equal(find_key(&p, i, i <= 5 ? h : h_same_bucket), idx[i]);

	/* out of the middle of the chain, then its head */
	pool_remove(&p, idx[3]);
	assert_int_equal(keys_under(&p, h), 0x36u);
	assert_int_equal(ent_at(&p, pool_first(&p, h))->key, 5); /* last inserted first */
	pool_remove(&p, idx[5]);
	assert_int_equal(keys_under(&p, h), 0x16u);
	assert_int_equal(keys_under(&p, h_same_bucket), 0xc0u);

	/* the chains survive the growth of the bucket array */
	for (uint64_t k = 100; k < 1100; k++)
		assert_int_not_equal(insert_key(&p, k, key_hash(k)), POOL_NIL);
	assert_true(p.nbuckets >= 1024);
	assert_int_equal(keys_under(&p, h), 0x16u);
	assert_int_equal(keys_under(&p, h_same_bucket), 0xc0u);
	for (uint64_t k = 100; k < 1100; k++)
		assert_int_not_equal(find_key(&p, k, key_hash(k)), POOL_NIL);
	pool_free(&p);
}

static void test_hash_function(void **state)
{
	const char a[] = "198.51.100.1", b[] = "198.51.100.2";

	assert_int_equal(pool_hash(a, sizeof(a), 0), pool_hash(a, sizeof(a), 0));
	assert_int_not_equal(pool_hash(a, sizeof(a), 0), pool_hash(b, sizeof(b), 0));
	assert_int_not_equal(pool_hash(a, sizeof(a), 0), pool_hash(a, sizeof(a), 1));

	/* consecutive keys spread over the low bits (the bucket index) */
	{
		uint8_t seen[64] = { 0 };
		int used = 0;

		for (uint64_t k = 0; k < 64; k++)
			seen[key_hash(k) & 63] = 1;
		for (int j = 0; j < 64; j++)
			used += seen[j];
		assert_true(used >= 32);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_find_remove),
		cmocka_unit_test(test_growth_to_thousands),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_hash_collisions),
		cmocka_unit_test(test_hash_function),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
