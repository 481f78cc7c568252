/*
 * Wire primitives shared by the PKCS#11 module and the PC/SC relay: frames of a 4-byte big-endian
 * length and a payload (at most WIRE_MAX bytes), built with a growing buffer and read with a
 * bounds-checked cursor. Every integer is big-endian; byte strings carry a 4-byte length. A reader
 * that runs past the end, or a builder that would pass WIRE_MAX, only sets `failed`: the caller
 * checks once at the end, so a malformed answer can never make the code read or write out of
 * bounds (BRIDGE-PROTOCOL.md §1).
 */
#ifndef CIEBENCH_WIRE_H
#define CIEBENCH_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAX (1024u * 1024u)

typedef struct {
	unsigned char *data;
	size_t len;
	size_t cap;
	int failed;
} wbuf;

typedef struct {
	const unsigned char *p;
	size_t left;
	int failed;
} rbuf;

void wb_init(wbuf *w);
void wb_free(wbuf *w);
void wb_u8(wbuf *w, uint8_t v);
void wb_u32(wbuf *w, uint32_t v);
void wb_u64(wbuf *w, uint64_t v);
/* A byte string: 4-byte length, then the bytes (`p` may be NULL only when `n` is 0). */
void wb_bytes(wbuf *w, const void *p, size_t n);

void rb_init(rbuf *r, const unsigned char *p, size_t n);
uint8_t rb_u8(rbuf *r);
uint32_t rb_u32(rbuf *r);
uint64_t rb_u64(rbuf *r);
/* A byte string of at most `max` bytes; returns a pointer into the buffer (NULL when n is 0). */
const unsigned char *rb_bytes(rbuf *r, size_t max, size_t *n);
/* True when nothing failed and every byte was consumed. */
int rb_done(const rbuf *r);

/*
 * Frame I/O on a file descriptor. `timeout_ms` < 0 waits forever. write_frame never raises
 * SIGPIPE. read_frame allocates the payload (free with free()). Both return 0 on success, -1 on
 * any failure (closed peer, timeout, length 0 or beyond WIRE_MAX).
 */
int wire_write_frame(int fd, const unsigned char *p, size_t n, int timeout_ms);
int wire_read_frame(int fd, unsigned char **out, size_t *n, int timeout_ms);

#endif
