/*
 * CIE Bench Virtual Reader: a pcsc-lite IFD handler (API 3.0 of ifdhandler.h, libpcsclite-dev)
 * that presents cards emulated by a separate process as PC/SC readers.
 *
 * The card side speaks the vpcd wire protocol (docs: harness/reader-driver/README.md and
 * /work/shared/spec/virtual-reader-nfc.md §2.2-2.3), so the same emulator works behind Debian's
 * vpcd and behind this driver:
 *
 *   frame    = length (2 bytes, big-endian) || payload
 *   reader -> card:  00 power off | 01 power on | 02 reset | 04 get ATR | C-APDU (>= 2 bytes)
 *   card -> reader:  ATR (answer to 04) | R-APDU (answer to a C-APDU); nothing for 00/01/02
 *   an empty answer or a closed connection means "card removed"
 *
 * What this driver adds over Debian 12's vpcd 0.8 (spec §2.6):
 *   - SCardGetAttrib(SCARD_ATTR_ATR_STRING) is answered (the CIE middleware reads the ATR only so);
 *   - FEATURE_GET_TLV_PROPERTIES reports dwMaxAPDUDataSize = 65536 (PC/SC part 10 v2.02.09 §2.6.14),
 *     so OpenSC and others use extended APDUs;
 *   - each frame is sent with one send() on a TCP_NODELAY socket: no Nagle/delayed-ACK stall;
 *   - the listening socket binds to a loopback address only (the host must be 127.0.0.0/8);
 *   - several reader.conf entries may share this one .so (state is keyed by the full Lun);
 *   - a card that disconnects at any moment (even mid-APDU) is reported as removed, never as an
 *     empty successful response, and a removal is never lost when the card reconnects between two
 *     presence polls;
 *   - optional reversed mode ("connect"): the driver connects to a listening card.
 *
 * DEVICENAME syntax:  HOST:PORT[/slots:N][/timeout:SECONDS][/connect]
 *   (pcscd's reader.conf lexer accepts only letters, digits and \ / - . _ @ : in a value)
 *   slot i (0 <= i < N, N <= 16) uses PORT + i; reader names are FRIENDLYNAME + " RR SS".
 *   timeout bounds one APDU exchange (default 120 s; 0 = wait forever, like vpcd).
 *
 * Written for this project from the ifdhandler.h documentation; no vsmartcard code is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ifdhandler.h>
#include <reader.h>
#include <debuglog.h>

#define CB_MAX_LUNS 16          /* PCSCLITE_MAX_READERS_CONTEXTS: pcscd's limit on readers */
#define CB_MAX_SLOTS 16
#define CB_DEFAULT_SLOTS 2
#define CB_DEFAULT_TIMEOUT_S 120
#define CB_CONTROL_TIMEOUT_MS 3000    /* ATR, power: the card must answer quickly */
#define CB_CONNECT_TIMEOUT_MS 200     /* reversed mode: one attempt per presence poll */
#define CB_MAX_FRAME 0xFFFF
#define CB_VENDOR "CIE Bench"
#define CB_IFD_TYPE "CIE Bench Virtual Reader"

#define VPCD_POWER_OFF 0x00
#define VPCD_POWER_ON 0x01
#define VPCD_RESET 0x02
#define VPCD_GET_ATR 0x04

/* PC/SC part 10: the driver's own ioctl for FEATURE_GET_TLV_PROPERTIES (class-2 numbering). */
#define CB_IOCTL_GET_TLV_PROPERTIES SCARD_CTL_CODE(0x330000 + FEATURE_GET_TLV_PROPERTIES)
#define CB_MAX_APDU_DATA_SIZE 0x10000

typedef enum { LINK_LISTEN, LINK_CONNECT } link_mode;

typedef struct {
	int used;
	DWORD lun;
	link_mode mode;
	struct sockaddr_in addr;  /* where to listen (LINK_LISTEN) or connect (LINK_CONNECT) */
	unsigned slots;
	unsigned timeout_s;
	int listen_fd;
	int fd;                   /* the card's connection, -1 when no card */
	int removal_pending;      /* a link was lost since the last presence poll */
	int powered;
	UCHAR atr[MAX_ATR_SIZE];
	DWORD atr_len;
	pthread_mutex_t lock;
} cb_slot;

typedef enum { IO_OK, IO_CLOSED, IO_TIMEOUT, IO_ERROR, IO_TOO_LONG } io_result;

static cb_slot slots[CB_MAX_LUNS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

/* pcscd exports log_msg; a weak reference keeps the .so loadable by other hosts too. */
extern void log_msg(const int priority, const char *fmt, ...) __attribute__((weak));

static void cb_log(int priority, const char *fmt, ...)
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

/* ------------------------------------------------------------------ lookup */

static cb_slot *find_slot(DWORD lun)
{
	cb_slot *found = NULL;
	pthread_mutex_lock(&table_lock);
	for (int i = 0; i < CB_MAX_LUNS; i++)
		if (slots[i].used && slots[i].lun == lun)
			found = &slots[i];
	pthread_mutex_unlock(&table_lock);
	return found;
}

static cb_slot *claim_slot(DWORD lun)
{
	cb_slot *s = NULL;
	pthread_mutex_lock(&table_lock);
	for (int i = 0; i < CB_MAX_LUNS && !s; i++)
		if (!slots[i].used) {
			s = &slots[i];
			memset(s, 0, sizeof *s);
			s->used = 1;
			s->lun = lun;
			s->fd = -1;
			s->listen_fd = -1;
			pthread_mutex_init(&s->lock, NULL);
		}
	pthread_mutex_unlock(&table_lock);
	return s;
}

static void release_slot(cb_slot *s)
{
	pthread_mutex_lock(&table_lock);
	pthread_mutex_destroy(&s->lock);
	s->used = 0;
	pthread_mutex_unlock(&table_lock);
}

/* ------------------------------------------------------------ DEVICENAME */

/* Parses "HOST:PORT[/slots:N][/timeout:S][/connect]" for slot index `slot`; 0 on success. */
static int parse_device(const char *device, unsigned slot, cb_slot *s)
{
	char buf[256], host[64];
	char *opt, *save = NULL, *colon, *end;
	long port;

	if (!device || strlen(device) >= sizeof buf)
		return -1;
	strcpy(buf, device);
	opt = strtok_r(buf, "/", &save);
	if (!opt || !(colon = strrchr(opt, ':')) || (size_t)(colon - opt) >= sizeof host)
		return -1;
	memcpy(host, opt, (size_t)(colon - opt));
	host[colon - opt] = '\0';
	port = strtol(colon + 1, &end, 0);
	if (*end != '\0' || port <= 0 || port > 65535)
		return -1;
	s->slots = CB_DEFAULT_SLOTS;
	s->timeout_s = CB_DEFAULT_TIMEOUT_S;
	s->mode = LINK_LISTEN;
	while ((opt = strtok_r(NULL, "/", &save)) != NULL) {
		if (strncmp(opt, "slots:", 6) == 0) {
			long n = strtol(opt + 6, &end, 10);
			if (*end != '\0' || n < 1 || n > CB_MAX_SLOTS)
				return -1;
			s->slots = (unsigned)n;
		} else if (strncmp(opt, "timeout:", 8) == 0) {
			long t = strtol(opt + 8, &end, 10);
			if (*end != '\0' || t < 0 || t > 86400)
				return -1;
			s->timeout_s = (unsigned)t;
		} else if (strcmp(opt, "connect") == 0) {
			s->mode = LINK_CONNECT;
		} else
			return -1;
	}
	if (slot >= s->slots || port + (long)slot > 65535)
		return -1;
	memset(&s->addr, 0, sizeof s->addr);
	s->addr.sin_family = AF_INET;
	s->addr.sin_port = htons((uint16_t)(port + (long)slot));
	if (inet_pton(AF_INET, host, &s->addr.sin_addr) != 1)
		return -1;
	/* Listening is loopback only: anyone able to connect could insert a card. */
	if (s->mode == LINK_LISTEN && (ntohl(s->addr.sin_addr.s_addr) >> 24) != 127)
		return -2;
	return 0;
}

/* -------------------------------------------------------------- socket I/O */

static long now_ms(void)
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
static io_result send_frame(int fd, const UCHAR *payload, size_t len, long deadline)
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
static io_result recv_frame(int fd, UCHAR *buf, size_t cap, size_t *len, long deadline)
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
static void drop_link(cb_slot *s, const char *why)
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

static int open_listener(cb_slot *s)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&s->addr, sizeof s->addr) != 0 || listen(fd, 1) != 0) {
		cb_log(PCSC_LOG_ERROR, "cannot listen on %s:%u: %s", inet_ntoa(s->addr.sin_addr),
			ntohs(s->addr.sin_port), strerror(errno));
		close(fd);
		return -1;
	}
	set_nonblocking(fd);
	s->listen_fd = fd;
	return 0;
}

/* Listen mode: accepts a waiting card. While a card is present, later arrivals are turned away. */
static void accept_cards(cb_slot *s)
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
static void connect_card(cb_slot *s)
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
static RESPONSECODE control_message(cb_slot *s, UCHAR code)
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

/* ------------------------------------------------------- IFD handler API */

static RESPONSECODE open_channel(DWORD Lun, const char *device)
{
	cb_slot cfg;
	cb_slot *s;
	int parsed;

	memset(&cfg, 0, sizeof cfg);
	parsed = parse_device(device, (unsigned)(Lun & 0xFFFF), &cfg);
	if (parsed != 0) {
		cb_log(PCSC_LOG_CRITICAL, "DEVICENAME '%s' rejected: %s", device ? device : "(null)",
			parsed == -2 ? "listening is allowed on a loopback address only"
				     : "expected HOST:PORT[/slots:N][/timeout:S][/connect]");
		return IFD_COMMUNICATION_ERROR;
	}
	if (find_slot(Lun) || !(s = claim_slot(Lun)))
		return IFD_COMMUNICATION_ERROR;
	s->mode = cfg.mode;
	s->addr = cfg.addr;
	s->slots = cfg.slots;
	s->timeout_s = cfg.timeout_s;
	if (s->mode == LINK_LISTEN && open_listener(s) != 0) {
		release_slot(s);
		return IFD_COMMUNICATION_ERROR;
	}
	cb_log(PCSC_LOG_INFO, "slot %lX: %s card on %s:%u", (unsigned long)Lun,
		s->mode == LINK_LISTEN ? "waiting for a" : "will connect to the", inet_ntoa(s->addr.sin_addr),
		ntohs(s->addr.sin_port));
	return IFD_SUCCESS;
}

RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName)
{
	return open_channel(Lun, DeviceName);
}

/* IFD handler 2.0 entry: CHANNELID is the base port on 127.0.0.1. */
RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel)
{
	char device[64];
	snprintf(device, sizeof device, "127.0.0.1:%lu", (unsigned long)Channel);
	return open_channel(Lun, device);
}

RESPONSECODE IFDHCloseChannel(DWORD Lun)
{
	cb_slot *s = find_slot(Lun);
	if (!s)
		return IFD_SUCCESS;
	pthread_mutex_lock(&s->lock);
	if (s->fd >= 0)
		close(s->fd);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->fd = s->listen_fd = -1;
	pthread_mutex_unlock(&s->lock);
	release_slot(s);
	return IFD_SUCCESS;
}

static RESPONSECODE put_value(PUCHAR Value, PDWORD Length, const void *src, DWORD n)
{
	if (*Length < n)
		return IFD_ERROR_INSUFFICIENT_BUFFER;
	memcpy(Value, src, n);
	*Length = n;
	return IFD_SUCCESS;
}

static RESPONSECODE put_byte(PUCHAR Value, PDWORD Length, UCHAR b)
{
	return put_value(Value, Length, &b, 1);
}

RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value)
{
	cb_slot *s = find_slot(Lun);
	RESPONSECODE rv;
	if (!s)
		return IFD_COMMUNICATION_ERROR;
	pthread_mutex_lock(&s->lock);
	switch (Tag) {
	case TAG_IFD_ATR:
	case SCARD_ATTR_ATR_STRING: /* the attribute Debian's vpcd 0.8 does not answer */
		rv = put_value(Value, Length, s->atr, s->atr_len);
		break;
	case TAG_IFD_SLOTS_NUMBER:
		rv = put_byte(Value, Length, (UCHAR)s->slots);
		break;
	case TAG_IFD_SIMULTANEOUS_ACCESS:
		rv = put_byte(Value, Length, CB_MAX_LUNS);
		break;
	case TAG_IFD_THREAD_SAFE:
	case TAG_IFD_SLOT_THREAD_SAFE: /* every slot has its own socket and lock */
		rv = put_byte(Value, Length, 1);
		break;
	case SCARD_ATTR_ICC_PRESENCE: /* PC/SC part 3: 0 absent, 2 present (and swallowed) */
		rv = put_byte(Value, Length, s->fd >= 0 ? 2 : 0);
		break;
	case SCARD_ATTR_ICC_INTERFACE_STATUS:
		rv = put_byte(Value, Length, s->powered ? 1 : 0);
		break;
	case SCARD_ATTR_VENDOR_NAME:
		rv = put_value(Value, Length, CB_VENDOR, sizeof CB_VENDOR);
		break;
	case SCARD_ATTR_VENDOR_IFD_TYPE:
		rv = put_value(Value, Length, CB_IFD_TYPE, sizeof CB_IFD_TYPE);
		break;
	default:
		rv = IFD_ERROR_TAG;
	}
	pthread_mutex_unlock(&s->lock);
	return rv;
}

RESPONSECODE IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value)
{
	(void)Lun; (void)Tag; (void)Length; (void)Value;
	return IFD_NOT_SUPPORTED;
}

/* The emulator sees APDUs, not TPDUs: every protocol the ATR offers is accepted as is. */
RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags, UCHAR PTS1,
	UCHAR PTS2, UCHAR PTS3)
{
	(void)Flags; (void)PTS1; (void)PTS2; (void)PTS3;
	if (!find_slot(Lun))
		return IFD_COMMUNICATION_ERROR;
	return (Protocol == SCARD_PROTOCOL_T0 || Protocol == SCARD_PROTOCOL_T1) ? IFD_SUCCESS
										 : IFD_PROTOCOL_NOT_SUPPORTED;
}

RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength)
{
	cb_slot *s = find_slot(Lun);
	DWORD cap = (AtrLength && *AtrLength) ? *AtrLength : MAX_ATR_SIZE;
	RESPONSECODE rv;
	if (AtrLength)
		*AtrLength = 0;
	if (!s)
		return IFD_COMMUNICATION_ERROR;
	pthread_mutex_lock(&s->lock);
	if (s->fd < 0)
		rv = Action == IFD_POWER_DOWN ? IFD_SUCCESS : IFD_ERROR_POWER_ACTION;
	else if (Action == IFD_POWER_DOWN) {
		(void)control_message(s, VPCD_POWER_OFF); /* a card that vanished is powered down too */
		s->powered = 0;
		rv = IFD_SUCCESS;
	} else if (Action == IFD_POWER_UP || Action == IFD_RESET) {
		rv = control_message(s, Action == IFD_POWER_UP ? VPCD_POWER_ON : VPCD_RESET);
		if (rv == IFD_SUCCESS)
			rv = control_message(s, VPCD_GET_ATR);
		if (rv == IFD_SUCCESS && s->atr_len <= cap && Atr && AtrLength) {
			memcpy(Atr, s->atr, s->atr_len);
			*AtrLength = s->atr_len;
			s->powered = 1;
		} else
			rv = IFD_ERROR_POWER_ACTION;
	} else
		rv = IFD_NOT_SUPPORTED;
	pthread_mutex_unlock(&s->lock);
	return rv;
}

/* One C-APDU out, one R-APDU back. Failures never look like an (empty) successful response. */
static RESPONSECODE exchange(cb_slot *s, PUCHAR tx, DWORD txLen, PUCHAR rx, PDWORD rxLen)
{
	DWORD cap = *rxLen;
	size_t len = 0;
	long deadline = s->timeout_s ? now_ms() + (long)s->timeout_s * 1000L : -1;
	io_result r;

	*rxLen = 0;
	if (s->fd < 0)
		return IFD_ICC_NOT_PRESENT;
	if (txLen < 2 || txLen > CB_MAX_FRAME) /* a 1-byte payload would read as a control code */
		return IFD_COMMUNICATION_ERROR;
	if ((r = send_frame(s->fd, tx, txLen, deadline)) == IO_OK)
		r = recv_frame(s->fd, rx, cap, &len, deadline);
	switch (r) {
	case IO_OK:
		if (len == 0) {
			drop_link(s, "empty response: the card left the field");
			return IFD_ICC_NOT_PRESENT;
		}
		if (len == 1) /* never a valid R-APDU; the stream itself is still in step */
			return IFD_COMMUNICATION_ERROR;
		*rxLen = (DWORD)len;
		return IFD_SUCCESS;
	case IO_TOO_LONG: /* drained: the stream is still in step */
		return IFD_ERROR_INSUFFICIENT_BUFFER;
	case IO_TIMEOUT: /* a late answer would desynchronise the stream: give the card up */
		drop_link(s, "no response within the timeout");
		return IFD_RESPONSE_TIMEOUT;
	default:
		drop_link(s, "connection lost during an APDU");
		return IFD_ICC_NOT_PRESENT;
	}
}

RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer,
	DWORD TxLength, PUCHAR RxBuffer, PDWORD RxLength, PSCARD_IO_HEADER RecvPci)
{
	cb_slot *s = find_slot(Lun);
	RESPONSECODE rv;
	if (!s) {
		*RxLength = 0;
		return IFD_COMMUNICATION_ERROR;
	}
	pthread_mutex_lock(&s->lock);
	rv = exchange(s, TxBuffer, TxLength, RxBuffer, RxLength);
	pthread_mutex_unlock(&s->lock);
	if (RecvPci) {
		RecvPci->Protocol = SendPci.Protocol;
		RecvPci->Length = sizeof *RecvPci;
	}
	return rv;
}

/* PC/SC part 10 §2.2 (GET_FEATURE_REQUEST) and §2.6.14 (GET_TLV_PROPERTIES); values little-endian. */
RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength,
	PUCHAR RxBuffer, DWORD RxLength, LPDWORD pdwBytesReturned)
{
	UCHAR out[8];
	DWORD n;
	(void)TxBuffer; (void)TxLength;
	*pdwBytesReturned = 0;
	if (!find_slot(Lun))
		return IFD_COMMUNICATION_ERROR;
	if (dwControlCode == CM_IOCTL_GET_FEATURE_REQUEST) {
		uint32_t ioctl = CB_IOCTL_GET_TLV_PROPERTIES;
		UCHAR feature[6] = { FEATURE_GET_TLV_PROPERTIES, 4, (UCHAR)(ioctl >> 24), (UCHAR)(ioctl >> 16),
				     (UCHAR)(ioctl >> 8), (UCHAR)ioctl };
		memcpy(out, feature, sizeof feature);
		n = sizeof feature;
	} else if (dwControlCode == CB_IOCTL_GET_TLV_PROPERTIES) {
		uint32_t max = CB_MAX_APDU_DATA_SIZE;
		UCHAR tlv[6] = { PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize, 4, (UCHAR)max, (UCHAR)(max >> 8),
				 (UCHAR)(max >> 16), (UCHAR)(max >> 24) };
		memcpy(out, tlv, sizeof tlv);
		n = sizeof tlv;
	} else
		return IFD_ERROR_NOT_SUPPORTED;
	if (RxLength < n)
		return IFD_ERROR_INSUFFICIENT_BUFFER;
	memcpy(RxBuffer, out, n);
	*pdwBytesReturned = n;
	return IFD_SUCCESS;
}

RESPONSECODE IFDHICCPresence(DWORD Lun)
{
	cb_slot *s = find_slot(Lun);
	RESPONSECODE rv;
	if (!s)
		return IFD_COMMUNICATION_ERROR;
	pthread_mutex_lock(&s->lock);
	if (s->removal_pending) {
		/* Report the loss once, even if the card is already back: pcscd must see the removal. */
		s->removal_pending = 0;
		rv = IFD_ICC_NOT_PRESENT;
	} else {
		if (s->mode == LINK_LISTEN)
			accept_cards(s);
		else if (s->fd < 0)
			connect_card(s);
		/* Presence is GET ATR, as with vpcd: an empty answer or a closed link means removed. */
		rv = s->fd < 0 ? IFD_ICC_NOT_PRESENT : control_message(s, VPCD_GET_ATR);
		if (rv == IFD_SUCCESS)
			rv = IFD_ICC_PRESENT;
		else
			s->removal_pending = 0; /* reported right now */
	}
	pthread_mutex_unlock(&s->lock);
	return rv;
}
