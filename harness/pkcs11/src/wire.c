/* Wire primitives: see wire.h. */
#include "wire.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void wb_init(wbuf *w)
{
	w->data = NULL;
	w->len = 0;
	w->cap = 0;
	w->failed = 0;
}

void wb_free(wbuf *w)
{
	if (w->data) {
		/* Requests may carry PIN digits: wipe before release. */
		memset(w->data, 0, w->cap);
		free(w->data);
	}
	wb_init(w);
}

static int wb_reserve(wbuf *w, size_t extra)
{
	if (w->failed)
		return 0;
	if (extra > WIRE_MAX || w->len + extra > WIRE_MAX) {
		w->failed = 1;
		return 0;
	}
	if (w->len + extra <= w->cap)
		return 1;
	size_t cap = w->cap ? w->cap : 256;
	while (cap < w->len + extra)
		cap *= 2;
	unsigned char *p = malloc(cap);
	if (!p) {
		w->failed = 1;
		return 0;
	}
	if (w->data) {
		memcpy(p, w->data, w->len);
		memset(w->data, 0, w->cap);
		free(w->data);
	}
	w->data = p;
	w->cap = cap;
	return 1;
}

void wb_u8(wbuf *w, uint8_t v)
{
	if (wb_reserve(w, 1))
		w->data[w->len++] = v;
}

void wb_u32(wbuf *w, uint32_t v)
{
	if (!wb_reserve(w, 4))
		return;
	for (int i = 3; i >= 0; i--)
		w->data[w->len++] = (unsigned char)(v >> (8 * i));
}

void wb_u64(wbuf *w, uint64_t v)
{
	if (!wb_reserve(w, 8))
		return;
	for (int i = 7; i >= 0; i--)
		w->data[w->len++] = (unsigned char)(v >> (8 * i));
}

void wb_bytes(wbuf *w, const void *p, size_t n)
{
	if (n > WIRE_MAX || (n > 0 && !p)) {
		w->failed = 1;
		return;
	}
	wb_u32(w, (uint32_t)n);
	if (n > 0 && wb_reserve(w, n)) {
		memcpy(w->data + w->len, p, n);
		w->len += n;
	}
}

void rb_init(rbuf *r, const unsigned char *p, size_t n)
{
	r->p = p;
	r->left = p ? n : 0;
	r->failed = 0;
}

static int rb_take(rbuf *r, size_t n)
{
	if (r->failed || r->left < n) {
		r->failed = 1;
		return 0;
	}
	return 1;
}

uint8_t rb_u8(rbuf *r)
{
	if (!rb_take(r, 1))
		return 0;
	uint8_t v = r->p[0];
	r->p += 1;
	r->left -= 1;
	return v;
}

uint32_t rb_u32(rbuf *r)
{
	if (!rb_take(r, 4))
		return 0;
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = (v << 8) | r->p[i];
	r->p += 4;
	r->left -= 4;
	return v;
}

uint64_t rb_u64(rbuf *r)
{
	if (!rb_take(r, 8))
		return 0;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | r->p[i];
	r->p += 8;
	r->left -= 8;
	return v;
}

const unsigned char *rb_bytes(rbuf *r, size_t max, size_t *n)
{
	*n = 0;
	uint32_t len = rb_u32(r);
	if (r->failed)
		return NULL;
	if (len > max || !rb_take(r, len)) {
		r->failed = 1;
		return NULL;
	}
	const unsigned char *p = len ? r->p : NULL;
	r->p += len;
	r->left -= len;
	*n = len;
	return p;
}

int rb_done(const rbuf *r)
{
	return !r->failed && r->left == 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until `fd` is ready for `events` before `deadline` (< 0: forever). */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		int t = -1;
		if (deadline >= 0) {
			long long left = deadline - now_ms();
			if (left <= 0)
				return -1;
			t = left > 0x7fffffff ? 0x7fffffff : (int)left;
		}
		struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
		int rc = poll(&pfd, 1, t);
		if (rc > 0)
			return (pfd.revents & (events | POLLHUP | POLLERR)) ? 0 : -1;
		if (rc == 0)
			return -1;
		if (errno != EINTR)
			return -1;
	}
}

/* Sockets get MSG_NOSIGNAL; pipes (the relay's stdout) are written with write(). */
static ssize_t send_some(int fd, const unsigned char *p, size_t n)
{
	ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
	if (w < 0 && errno == ENOTSOCK)
		w = write(fd, p, n);
	return w;
}

static int write_all(int fd, const unsigned char *p, size_t n, long long deadline)
{
	while (n > 0) {
		if (wait_fd(fd, POLLOUT, deadline) != 0)
			return -1;
		ssize_t w = send_some(fd, p, n);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, unsigned char *p, size_t n, long long deadline)
{
	while (n > 0) {
		if (wait_fd(fd, POLLIN, deadline) != 0)
			return -1;
		ssize_t r = read(fd, p, n);
		if (r == 0)
			return -1;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static long long deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

int wire_write_frame(int fd, const unsigned char *p, size_t n, int timeout_ms)
{
	if (n == 0 || n > WIRE_MAX)
		return -1;
	unsigned char head[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
				  (unsigned char)(n >> 8), (unsigned char)n };
	long long deadline = deadline_of(timeout_ms);
	if (write_all(fd, head, 4, deadline) != 0)
		return -1;
	return write_all(fd, p, n, deadline);
}

int wire_read_frame(int fd, unsigned char **out, size_t *n, int timeout_ms)
{
	*out = NULL;
	*n = 0;
	unsigned char head[4];
	long long deadline = deadline_of(timeout_ms);
	if (read_all(fd, head, 4, deadline) != 0)
		return -1;
	size_t len = ((size_t)head[0] << 24) | ((size_t)head[1] << 16) | ((size_t)head[2] << 8) | head[3];
	if (len == 0 || len > WIRE_MAX)
		return -1;
	unsigned char *p = malloc(len);
	if (!p)
		return -1;
	if (read_all(fd, p, len, deadline) != 0) {
		free(p);
		return -1;
	}
	*out = p;
	*n = len;
	return 0;
}
