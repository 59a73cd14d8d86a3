// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * For `make static` only. Debian ships libwslay as a shared library alone,
 * so the static binary has no WebSocket framing: its context never starts
 * (wslay_event_context_server_init fails), serve then answers 501 to a
 * WebSocket upgrade, and the live page falls back to polling the JSON API
 * (docs/api.md). The other entry points are never reached without a
 * context; each fails, should anything ever call it.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <wslay/wslay.h>

#pragma GCC diagnostic ignored "-Wunused-parameter" /* stand-ins: they ignore every argument */

int wslay_event_context_server_init(wslay_event_context_ptr *ctx,
				    const struct wslay_event_callbacks *callbacks, void *user_data)
{
	*ctx = NULL;
	return WSLAY_ERR_NOMEM;
}

void wslay_event_context_free(wslay_event_context_ptr ctx)
{
}

void wslay_event_config_set_max_recv_msg_length(wslay_event_context_ptr ctx, uint64_t val)
{
}

void wslay_event_set_error(wslay_event_context_ptr ctx, int val)
{
}

int wslay_event_recv(wslay_event_context_ptr ctx)
{
	return WSLAY_ERR_INVALID_ARGUMENT;
}

int wslay_event_send(wslay_event_context_ptr ctx)
{
	return WSLAY_ERR_INVALID_ARGUMENT;
}

int wslay_event_queue_msg(wslay_event_context_ptr ctx, const struct wslay_event_msg *arg)
{
	return WSLAY_ERR_INVALID_ARGUMENT;
}

int wslay_event_want_read(wslay_event_context_ptr ctx)
{
	return 0;
}

int wslay_event_want_write(wslay_event_context_ptr ctx)
{
	return 0;
}

size_t wslay_event_get_queued_msg_length(wslay_event_context_ptr ctx)
{
	return 0;
}

int wslay_event_get_close_sent(wslay_event_context_ptr ctx)
{
	return 0;
}

uint16_t wslay_event_get_status_code_sent(wslay_event_context_ptr ctx)
{
	return WSLAY_CODE_ABNORMAL_CLOSURE;
}
