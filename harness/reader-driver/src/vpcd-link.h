/*
 * vpcd-link.h — the socket side of the CIE Bench reader driver: vpcd framing over TCP, and the
 * link from one reader slot to one emulated card. See ifd-ciebench.c for the protocol summary.
 */
#ifndef CIEBENCH_VPCD_LINK_H
#define CIEBENCH_VPCD_LINK_H

#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>

#include <ifdhandler.h>

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
/* pcscd exports log_msg; a weak reference keeps the .so loadable by other hosts too. */
void cb_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Thread-safe dotted-quad text of an address (inet_ntoa shares one static buffer). */
const char *addr_text(const struct sockaddr_in *a, char *buf, size_t n);
long now_ms(void);
io_result send_frame(int fd, const UCHAR *payload, size_t len, long deadline);
io_result recv_frame(int fd, UCHAR *buf, size_t cap, size_t *len, long deadline);

void drop_link(cb_slot *s, const char *why);
int link_alive(cb_slot *s);
int open_listener(cb_slot *s);
void accept_cards(cb_slot *s);
void connect_card(cb_slot *s);
RESPONSECODE control_message(cb_slot *s, UCHAR code);

#endif
