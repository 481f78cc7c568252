/*
 * CIE Bench Virtual Reader: a pcsc-lite IFD handler (API 3.0 of ifdhandler.h, libpcsclite-dev)
 * that presents cards emulated by a separate process as PC/SC readers.
 *
 * The card side speaks the vpcd wire protocol (docs: harness/reader-driver/README.md and
 * harness/vpcd/README.md §2-3), so the same emulator works behind Debian's
 * vpcd and behind this driver:
 *
 *   frame    = length (2 bytes, big-endian) || payload
 *   reader -> card:  00 power off | 01 power on | 02 reset | 04 get ATR | C-APDU (>= 2 bytes)
 *   card -> reader:  ATR (answer to 04) | R-APDU (answer to a C-APDU); nothing for 00/01/02
 *   an empty answer or a closed connection means "card removed"
 *
 * What this driver adds over Debian 12's vpcd 0.8 (harness/vpcd/README.md §6):
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
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ifdhandler.h>
#include <reader.h>
#include <debuglog.h>

#include "vpcd-link.h"

static cb_slot slots[CB_MAX_LUNS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

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
	char host[INET_ADDRSTRLEN];
	cb_log(PCSC_LOG_INFO, "slot %lX: %s card on %s:%u", (unsigned long)Lun,
		s->mode == LINK_LISTEN ? "waiting for a" : "will connect to the", addr_text(&s->addr, host, sizeof host),
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
	if (s->fd >= 0 && !link_alive(s))
		drop_link(s, "connection closed or unsolicited data");
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
	} else if (s->fd >= 0 && !link_alive(s)) {
		/* Gone since the last poll: report it now, accept a newcomer at the next poll. */
		drop_link(s, "connection closed or unsolicited data");
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
