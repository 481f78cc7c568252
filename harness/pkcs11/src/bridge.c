/*
 * Connection to the bench daemon. The socket path is CIEBENCH_PKCS11_SOCKET, else
 * $CIEBENCH_HOME/middleware/bridge.sock, else ~/.ciebench/middleware/bridge.sock (the daemon uses
 * the same rule). The daemon creates the socket owner-only; the module refuses a socket that is
 * not owned by the calling user.
 */
#include "bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Longest wait for one answer; a login may wait for a person to type the PIN. */
#define DEFAULT_TIMEOUT_MS 300000

static int g_fd = -1;
static int g_absent_reported;

void bridge_log(const char *fmt, ...)
{
	if (!getenv("CIEBENCH_PKCS11_LOG"))
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("ciebench-pkcs11: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int timeout_ms(void)
{
	const char *s = getenv("CIEBENCH_PKCS11_TIMEOUT_MS");
	if (!s || !*s)
		return DEFAULT_TIMEOUT_MS;
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (!end || *end || v < 1 || v > 3600000)
		return DEFAULT_TIMEOUT_MS;
	return (int)v;
}

/* Fills `out` with the socket path; 0 when it fits in sun_path. */
static int socket_path(char *out, size_t size)
{
	const char *explicit_path = getenv("CIEBENCH_PKCS11_SOCKET");
	int n;
	if (explicit_path && *explicit_path) {
		n = snprintf(out, size, "%s", explicit_path);
	} else {
		const char *home = getenv("CIEBENCH_HOME");
		if (home && *home) {
			n = snprintf(out, size, "%s/middleware/bridge.sock", home);
		} else {
			const char *user_home = getenv("HOME");
			if (!user_home || !*user_home) {
				struct passwd *pw = getpwuid(getuid());
				user_home = pw ? pw->pw_dir : NULL;
			}
			if (!user_home)
				return -1;
			n = snprintf(out, size, "%s/.ciebench/middleware/bridge.sock", user_home);
		}
	}
	return (n > 0 && (size_t)n < size) ? 0 : -1;
}

void bridge_request(wbuf *w, uint8_t op)
{
	wb_init(w);
	wb_u8(w, BRIDGE_PROTOCOL_VERSION);
	wb_u8(w, op);
}

void bridge_close(void)
{
	if (g_fd >= 0)
		close(g_fd);
	g_fd = -1;
}

static bridge_status exchange(const wbuf *w, uint32_t *rv, unsigned char **mem, rbuf *r)
{
	size_t n = 0;
	*mem = NULL;
	if (w->failed || wire_write_frame(g_fd, w->data, w->len, timeout_ms()) != 0 ||
	    wire_read_frame(g_fd, mem, &n, timeout_ms()) != 0) {
		bridge_log("bridge exchange failed (%s)", w->failed ? "request too large" : "I/O");
		free(*mem);
		*mem = NULL;
		bridge_close();
		return BRIDGE_BROKEN;
	}
	rb_init(r, *mem, n);
	*rv = rb_u32(r);
	if (r->failed) {
		free(*mem);
		*mem = NULL;
		bridge_close();
		return BRIDGE_BROKEN;
	}
	return BRIDGE_OK;
}

static bridge_status hello(void)
{
	wbuf w;
	bridge_request(&w, OP_HELLO);
	wb_u32(&w, BRIDGE_PROTOCOL_VERSION);
	wb_u32(&w, (uint32_t)getpid());
	wb_u8(&w, (uint8_t)sizeof(unsigned long));
	const uint16_t probe = 1;
	wb_u8(&w, *(const uint8_t *)&probe == 1 ? 1 : 0);
	uint32_t rv = 0;
	unsigned char *mem = NULL;
	rbuf r;
	bridge_status st = exchange(&w, &rv, &mem, &r);
	wb_free(&w);
	if (st != BRIDGE_OK)
		return st;
	uint32_t version = rb_u32(&r);
	size_t name_len = 0;
	(void)rb_bytes(&r, 256, &name_len);
	int ok = rv == 0 && rb_done(&r) && version == BRIDGE_PROTOCOL_VERSION;
	free(mem);
	if (!ok) {
		bridge_log("daemon refused HELLO (rv 0x%lx, version %u)", (unsigned long)rv, version);
		bridge_close();
		return BRIDGE_BROKEN;
	}
	return BRIDGE_OK;
}

static bridge_status ensure_connected(void)
{
	if (g_fd >= 0)
		return BRIDGE_OK;
	struct sockaddr_un addr;
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	if (socket_path(addr.sun_path, sizeof addr.sun_path) != 0) {
		bridge_log("socket path unusable (too long, or no home directory)");
		return BRIDGE_ABSENT;
	}
	struct stat st;
	if (stat(addr.sun_path, &st) == 0 && (st.st_uid != getuid() || !S_ISSOCK(st.st_mode))) {
		bridge_log("%s is not a socket owned by this user: refused", addr.sun_path);
		return BRIDGE_ABSENT;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return BRIDGE_ABSENT;
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
		int err = errno;
		close(fd);
		if (!g_absent_reported) {
			g_absent_reported = 1;
			fprintf(stderr,
				"ciebench-pkcs11: no CIE Bench daemon at %s (%s); start it with "
				"`ciebench middleware start`\n",
				addr.sun_path, strerror(err));
		}
		return BRIDGE_ABSENT;
	}
	g_fd = fd;
	return hello();
}

bridge_status bridge_call(const wbuf *w, uint32_t *rv, unsigned char **mem, rbuf *r)
{
	*mem = NULL;
	*rv = 0;
	bridge_status st = ensure_connected();
	if (st != BRIDGE_OK)
		return st;
	return exchange(w, rv, mem, r);
}
