/*
 * The module's side of the bridge to the bench daemon (BRIDGE-PROTOCOL.md): one Unix-domain
 * socket connection per process, opened on first use, greeted with HELLO, dropped on any I/O or
 * framing error (the next call reconnects). Callers hold the module lock.
 */
#ifndef CIEBENCH_BRIDGE_H
#define CIEBENCH_BRIDGE_H

#include <stdint.h>

#include "wire.h"

#define BRIDGE_PROTOCOL_VERSION 1u

/* Operations (BRIDGE-PROTOCOL.md §3). */
enum {
	OP_HELLO = 1,
	OP_SLOT_LIST = 2,
	OP_SLOT_INFO = 3,
	OP_TOKEN_INFO = 4,
	OP_MECH_LIST = 5,
	OP_MECH_INFO = 6,
	OP_OPEN_SESSION = 7,
	OP_CLOSE_SESSION = 8,
	OP_CLOSE_ALL = 9,
	OP_SESSION_INFO = 10,
	OP_LOGIN = 11,
	OP_LOGOUT = 12,
	OP_FIND_INIT = 13,
	OP_FIND = 14,
	OP_FIND_FINAL = 15,
	OP_GET_ATTRS = 16,
	OP_SIGN_INIT = 17,
	OP_SIGN = 18,
	OP_SIGN_UPDATE = 19,
	OP_SIGN_FINAL = 20,
	OP_SIGN_ABORT = 21,
};

typedef enum {
	BRIDGE_OK = 0,
	/* Nobody listens on the socket (daemon not started). */
	BRIDGE_ABSENT = 1,
	/* Connected, but the exchange failed: timeout, closed, malformed frame. */
	BRIDGE_BROKEN = 2,
} bridge_status;

/* Starts a request: protocol version and operation. */
void bridge_request(wbuf *w, uint8_t op);

/*
 * Sends the request, waits for the answer and strips its 4-byte return value into `*rv`. On
 * BRIDGE_OK, `*mem` holds the answer (free with free()) and `r` reads what follows the return
 * value.
 */
bridge_status bridge_call(const wbuf *w, uint32_t *rv, unsigned char **mem, rbuf *r);

/* Closes the connection (C_Finalize, fork). */
void bridge_close(void);

/* Diagnostics on stderr when CIEBENCH_PKCS11_LOG is set, and once for an absent daemon. */
void bridge_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
