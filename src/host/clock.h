/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The clocks: CLOCK_MONOTONIC is the one BPF's timestamps use, so every
 * time inside waitwatch is on it; wall-clock time is added only for output.
 */
#ifndef WW_CLOCK_H
#define WW_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_mono_ns(void);

/* Add to a CLOCK_MONOTONIC time to get wall-clock time (ns). */
int64_t clock_mono_to_real_ns(void);

#endif
