/*
 * vpcd-link.c — socket I/O of the CIE Bench reader driver (see ifd-ciebench.c for the protocol).
 * Written for this project; no vsmartcard code is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <debuglog.h>

#include "vpcd-link.h"

extern void log_msg(const int priority, const char *fmt, ...) __attribute__((weak));

void cb_log(int priority, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (log_msg)
		log_msg(priority, "ciebench: %s", text);
	else
		fprintf(stderr, "ciebench: %s\n", text);
}

const char *addr_text(const struct sockaddr_in *a, char *buf, size_t n)
{
	if (!inet_ntop(AF_INET, &a->sin_addr, buf, (socklen_t)n))
		snprintf(buf, n, "?");
	return buf;
}

/* -------------------------------------------------------------- socket I/O */

long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Waits for `events` on fd until `deadline` (ms, monotonic; < 0 = forever). */
static io_result wait_fd(int fd, short events, long deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int wait = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && wait <= 0)
			return IO_TIMEOUT;
		int r = poll(&p, 1, wait);
		if (r > 0)
			return IO_OK;
		if (r == 0)
			return IO_TIMEOUT;
		if (errno != EINTR)
			return IO_ERROR;
	}
}

static io_result read_exact(int fd, UCHAR *buf, size_t n, long deadline)
{
	size_t got = 0;
	while (got < n) {
		io_result w = wait_fd(fd, POLLIN, deadline);
		if (w != IO_OK)
			return w;
		ssize_t r = recv(fd, buf + got, n - got, 0);
		if (r == 0)
			return IO_CLOSED;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return errno == ECONNRESET ? IO_CLOSED : IO_ERROR;
		}
		got += (size_t)r;
	}
	return IO_OK;
}

/* One frame, one send(): the length prefix never travels alone (the vpcd 0.8 Nagle stall). */
io_result send_frame(int fd, const UCHAR *payload, size_t len, long deadline)
{
	UCHAR *frame;
	size_t sent = 0, total = len + 2;
	io_result res = IO_OK;

	if (len > CB_MAX_FRAME)
		return IO_TOO_LONG;
	frame = malloc(total);
	if (!frame)
		return IO_ERROR;
	frame[0] = (UCHAR)(len >> 8);
	frame[1] = (UCHAR)(len & 0xFF);
	memcpy(frame + 2, payload, len);
	while (sent < total && res == IO_OK) {
		ssize_t r = send(fd, frame + sent, total - sent, MSG_NOSIGNAL);
		if (r > 0)
			sent += (size_t)r;
		else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			res = wait_fd(fd, POLLOUT, deadline);
		else if (r < 0 && errno == EINTR)
			continue;
		else
			res = (r < 0 && (errno == EPIPE || errno == ECONNRESET)) ? IO_CLOSED : IO_ERROR;
	}
	free(frame);
	return res;
}

/* Reads one frame into buf (capacity cap); an oversized payload is drained and reported. */
io_result recv_frame(int fd, UCHAR *buf, size_t cap, size_t *len, long deadline)
{
	UCHAR hdr[2], sink[512];
	io_result r = read_exact(fd, hdr, 2, deadline);
	if (r != IO_OK)
		return r;
	size_t n = ((size_t)hdr[0] << 8) | hdr[1];
	*len = n;
	if (n <= cap)
		return read_exact(fd, buf, n, deadline);
	while (n > 0) {
		size_t k = n < sizeof sink ? n : sizeof sink;
		if ((r = read_exact(fd, sink, k, deadline)) != IO_OK)
			return r;
		n -= k;
	}
	return IO_TOO_LONG;
}

static void set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL, 0);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void tune_link(int fd)
{
	int one = 1;
	set_nonblocking(fd);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* ------------------------------------------------------------------- links */

/* Forgets the card; pcscd will see it absent at the next presence poll. */
void drop_link(cb_slot *s, const char *why)
{
	if (s->fd >= 0) {
		cb_log(PCSC_LOG_INFO, "slot %lX: card gone (%s)", (unsigned long)s->lun, why);
		close(s->fd);
		s->removal_pending = 1;
	}
	s->fd = -1;
	s->atr_len = 0;
	s->powered = 0;
}

int open_listener(cb_slot *s)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&s->addr, sizeof s->addr) != 0 || listen(fd, 1) != 0) {
		char host[INET_ADDRSTRLEN];
		cb_log(PCSC_LOG_ERROR, "cannot listen on %s:%u: %s", addr_text(&s->addr, host, sizeof host),
			ntohs(s->addr.sin_port), strerror(errno));
		close(fd);
		return -1;
	}
	set_nonblocking(fd);
	s->listen_fd = fd;
	return 0;
}

/*
 * True while the card's connection is usable: not closed by the card, and no bytes waiting that
 * nobody asked for (only the reader speaks first; unsolicited bytes would be read as the next
 * answer, so such a link is given up).
 */
int link_alive(cb_slot *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	UCHAR byte;
	if (s->fd < 0)
		return 0;
	if (poll(&p, 1, 0) == 0)
		return 1;
	if (p.revents & (POLLERR | POLLNVAL))
		return 0;
	return recv(s->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* Listen mode: accepts a waiting card. While a card is present, later arrivals are turned away. */
void accept_cards(cb_slot *s)
{
	for (;;) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (s->fd >= 0) {
			cb_log(PCSC_LOG_INFO, "slot %lX: occupied, refusing another card", (unsigned long)s->lun);
			close(fd);
			continue;
		}
		tune_link(fd);
		s->fd = fd;
		cb_log(PCSC_LOG_INFO, "slot %lX: card connected", (unsigned long)s->lun);
	}
}

/* Reversed mode: one short connection attempt to the listening card. */
void connect_card(cb_slot *s)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int err = 0;
	socklen_t len = sizeof err;
	if (fd < 0)
		return;
	tune_link(fd);
	if (connect(fd, (struct sockaddr *)&s->addr, sizeof s->addr) != 0 && errno != EINPROGRESS) {
		close(fd);
		return;
	}
	if (wait_fd(fd, POLLOUT, now_ms() + CB_CONNECT_TIMEOUT_MS) != IO_OK ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
		close(fd);
		return;
	}
	s->fd = fd;
	cb_log(PCSC_LOG_INFO, "slot %lX: connected to card", (unsigned long)s->lun);
}

/* Sends a one-byte control message; GET ATR also reads the answer into s->atr. */
RESPONSECODE control_message(cb_slot *s, UCHAR code)
{
	UCHAR atr[MAX_ATR_SIZE];
	size_t len = 0;
	long deadline = now_ms() + CB_CONTROL_TIMEOUT_MS;
	io_result r = send_frame(s->fd, &code, 1, deadline);
	if (r != IO_OK) {
		drop_link(s, "send failed");
		return IFD_ICC_NOT_PRESENT;
	}
	if (code != VPCD_GET_ATR)
		return IFD_SUCCESS;
	r = recv_frame(s->fd, atr, sizeof atr, &len, deadline);
	if (r != IO_OK || len == 0) {
		drop_link(s, r == IO_TIMEOUT ? "no ATR in time" : r == IO_TOO_LONG ? "ATR longer than 33 bytes" : "no ATR");
		return IFD_ICC_NOT_PRESENT;
	}
	memcpy(s->atr, atr, len);
	s->atr_len = (DWORD)len;
	return IFD_SUCCESS;
}
