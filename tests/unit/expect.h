/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Assertion helpers shared by the unit tests (include after cmocka.h).
 *
 * EXPECT_FIELDS checks integer fields of one struct in one statement:
 *
 *	EXPECT_FIELDS(&s.stats, FV(sockets, 1), FV(repairs, 0));
 *
 * Each FV is an assertion of its own, cmocka's assert_int_equal reported at
 * the caller's line, with the field's name printed when it fails. A field
 * may be a path below the struct: FV(peers[0].count, 2).
 */
#ifndef WW_TEST_EXPECT_H
#define WW_TEST_EXPECT_H

#include <stddef.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct field_check {
	const char *name;
	LargestIntegralType got, want;
};

static inline void expect_fields_at(const struct field_check *c, size_t n, const char *what,
				    const char *file, int line)
{
	for (size_t i = 0; i < n; i++) {
		if (c[i].got != c[i].want)
			print_error("%s: %s\n", what, c[i].name);
		_assert_int_equal(c[i].got, c[i].want, file, line);
	}
}

/* One field of the struct EXPECT_FIELDS checks, and the value it must have. */
#define FV(field, value) \
	{ #field, (LargestIntegralType)(expect_p_->field), (LargestIntegralType)(value) }

#define EXPECT_FIELDS(ptr, ...)                                                           \
	do {                                                                              \
		const __typeof__(*(ptr)) *expect_p_ = (ptr);                              \
		const struct field_check expect_c_[] = { __VA_ARGS__ };                   \
		expect_fields_at(expect_c_, ARRAY_LEN(expect_c_), #ptr, __FILE__, __LINE__); \
	} while (0)

#endif
