/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* SIGINT and SIGTERM end every command the same way: a flag its loop reads. */
#ifndef WW_SIGNALS_H
#define WW_SIGNALS_H

#include <signal.h>
#include <stdint.h>

/* Set by SIGINT/SIGTERM: the handler only sets this flag. */
extern volatile sig_atomic_t ww_exiting;

/* The handlers (without SA_RESTART, so that a wait returns at once); SIGPIPE ignored. */
void signals__install(void);

/* Sleep up to ns, returning early when a signal arrives. */
void sleep_interruptible(uint64_t ns);

#endif
