/*
 * ciebench-pcsc-relay: the bench daemon's hands on PC/SC. The daemon (TypeScript) drives the card
 * protocol; this process makes the PC/SC calls, including SCardBeginTransaction /
 * SCardEndTransaction, which the project's npm PC/SC binding does not expose and without which
 * another application on the same reader (OpenSC probing a CIE) could slip a plain APDU into a
 * secure-messaging session (README.md, "Why a relay").
 *
 * stdin/stdout carry frames (wire.h): request = op (1 byte) and fields; answer = the PC/SC return
 * value (4 bytes) and fields (BRIDGE-PROTOCOL.md §5). The relay answers every well-framed
 * request, malformed fields included (SCARD_E_INVALID_PARAMETER), and exits on a broken frame or
 * end of input.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <winscard.h>

#include "wire.h"

enum { R_LIST = 1, R_CONNECT, R_TRANSMIT, R_BEGIN, R_END, R_RECONNECT, R_DISCONNECT, R_STATUS };

#define MAX_HANDLES 32
#define MAX_READERS 64
#define MAX_APDU 65544

static SCARDCONTEXT g_ctx;
static int g_have_ctx;
static struct {
	int used;
	SCARDHANDLE card;
	DWORD protocol;
} g_handles[MAX_HANDLES];

static LONG context(void)
{
	if (g_have_ctx && SCardIsValidContext(g_ctx) == SCARD_S_SUCCESS)
		return SCARD_S_SUCCESS;
	if (g_have_ctx)
		SCardReleaseContext(g_ctx);
	g_have_ctx = 0;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &g_ctx);
	if (rv == SCARD_S_SUCCESS)
		g_have_ctx = 1;
	return rv;
}

static const SCARD_IO_REQUEST *pci(DWORD protocol)
{
	return protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
}


/* The card's ATR, as SCardStatus reports it (empty when the status cannot be read). */
static void answer_atr(wbuf *w, SCARDHANDLE card)
{
	char name[256];
	DWORD name_len = sizeof name, atr_len = MAX_ATR_SIZE, st = 0, proto = 0;
	BYTE atr[MAX_ATR_SIZE];
	if (SCardStatus(card, name, &name_len, &st, &proto, atr, &atr_len) != SCARD_S_SUCCESS ||
	    atr_len > MAX_ATR_SIZE)
		atr_len = 0;
	wb_bytes(w, atr, atr_len);
}

static void op_list(wbuf *w)
{
	LONG rv = context();
	DWORD len = 0;
	char *names = NULL;
	if (rv == SCARD_S_SUCCESS)
		rv = SCardListReaders(g_ctx, NULL, NULL, &len);
	if (rv == SCARD_S_SUCCESS && len > 0 && len < 65536) {
		names = calloc(1, len + 1);
		rv = names ? SCardListReaders(g_ctx, NULL, names, &len) : SCARD_E_NO_MEMORY;
	}
	if (rv == SCARD_E_NO_READERS_AVAILABLE || (rv == SCARD_S_SUCCESS && !names)) {
		wb_u32(w, SCARD_S_SUCCESS);
		wb_u32(w, 0);
		free(names);
		return;
	}
	if (rv != SCARD_S_SUCCESS) {
		wb_u32(w, (uint32_t)rv);
		free(names);
		return;
	}
	SCARD_READERSTATE states[MAX_READERS];
	DWORD n = 0;
	memset(states, 0, sizeof states);
	for (char *p = names; *p && n < MAX_READERS; p += strlen(p) + 1) {
		states[n].szReader = p;
		states[n].dwCurrentState = SCARD_STATE_UNAWARE;
		n++;
	}
	rv = n ? SCardGetStatusChange(g_ctx, 0, states, n) : SCARD_S_SUCCESS;
	if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
		wb_u32(w, (uint32_t)rv);
		free(names);
		return;
	}
	wb_u32(w, SCARD_S_SUCCESS);
	wb_u32(w, n);
	for (DWORD i = 0; i < n; i++) {
		wb_bytes(w, states[i].szReader, strlen(states[i].szReader));
		wb_u32(w, (uint32_t)states[i].dwEventState);
		DWORD atr_len = states[i].cbAtr <= MAX_ATR_SIZE ? states[i].cbAtr : 0;
		wb_bytes(w, states[i].rgbAtr, atr_len);
	}
	free(names);
}

static int handle_of(uint32_t id)
{
	return id < MAX_HANDLES && g_handles[id].used ? (int)id : -1;
}

static void op_connect(rbuf *r, wbuf *w)
{
	size_t n = 0;
	const unsigned char *name = rb_bytes(r, 255, &n);
	if (!rb_done(r) || n == 0) {
		wb_u32(w, (uint32_t)SCARD_E_INVALID_PARAMETER);
		return;
	}
	char reader[256];
	memcpy(reader, name, n);
	reader[n] = 0;
	int slot = -1;
	for (int i = 0; i < MAX_HANDLES; i++)
		if (!g_handles[i].used) {
			slot = i;
			break;
		}
	LONG rv = slot < 0 ? SCARD_E_NO_MEMORY : context();
	SCARDHANDLE card = 0;
	DWORD protocol = 0;
	if (rv == SCARD_S_SUCCESS)
		rv = SCardConnect(g_ctx, reader, SCARD_SHARE_SHARED,
				  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol);
	wb_u32(w, (uint32_t)rv);
	if (rv != SCARD_S_SUCCESS)
		return;
	g_handles[slot].used = 1;
	g_handles[slot].card = card;
	g_handles[slot].protocol = protocol;
	wb_u32(w, (uint32_t)slot);
	wb_u32(w, (uint32_t)protocol);
	answer_atr(w, card);
}

static void op_transmit(rbuf *r, wbuf *w)
{
	int h = handle_of(rb_u32(r));
	size_t n = 0;
	const unsigned char *apdu = rb_bytes(r, MAX_APDU, &n);
	if (!rb_done(r) || h < 0 || n < 4) {
		wb_u32(w, (uint32_t)SCARD_E_INVALID_PARAMETER);
		return;
	}
	static BYTE resp[MAX_APDU];
	DWORD resp_len = sizeof resp;
	LONG rv = SCardTransmit(g_handles[h].card, pci(g_handles[h].protocol), apdu, (DWORD)n, NULL,
				resp, &resp_len);
	wb_u32(w, (uint32_t)rv);
	if (rv == SCARD_S_SUCCESS)
		wb_bytes(w, resp, resp_len <= sizeof resp ? resp_len : 0);
}

static void op_handle(uint8_t op, rbuf *r, wbuf *w)
{
	int h = handle_of(rb_u32(r));
	uint32_t arg = (op == R_END || op == R_RECONNECT || op == R_DISCONNECT) ? rb_u32(r) : 0;
	if (!rb_done(r) || h < 0 || arg > SCARD_EJECT_CARD) {
		wb_u32(w, (uint32_t)SCARD_E_INVALID_PARAMETER);
		return;
	}
	SCARDHANDLE card = g_handles[h].card;
	LONG rv;
	DWORD state = 0, protocol = 0;
	switch (op) {
	case R_BEGIN:
		wb_u32(w, (uint32_t)SCardBeginTransaction(card));
		return;
	case R_END:
		wb_u32(w, (uint32_t)SCardEndTransaction(card, arg));
		return;
	case R_DISCONNECT:
		rv = SCardDisconnect(card, arg);
		/* The handle is gone either way (a removed card cannot be disconnected cleanly). */
		g_handles[h].used = 0;
		wb_u32(w, (uint32_t)rv);
		return;
	case R_RECONNECT:
		rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, arg,
				    &protocol);
		wb_u32(w, (uint32_t)rv);
		if (rv == SCARD_S_SUCCESS) {
			g_handles[h].protocol = protocol;
			wb_u32(w, (uint32_t)protocol);
			answer_atr(w, card);
		}
		return;
	default: {
		char name[256];
		DWORD name_len = sizeof name, atr_len = MAX_ATR_SIZE;
		BYTE atr[MAX_ATR_SIZE];
		rv = SCardStatus(card, name, &name_len, &state, &protocol, atr, &atr_len);
		wb_u32(w, (uint32_t)rv);
		if (rv == SCARD_S_SUCCESS) {
			wb_u32(w, (uint32_t)state);
			wb_u32(w, (uint32_t)protocol);
			wb_bytes(w, atr, atr_len <= MAX_ATR_SIZE ? atr_len : 0);
		}
		return;
	}
	}
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		unsigned char *req = NULL;
		size_t n = 0;
		if (wire_read_frame(STDIN_FILENO, &req, &n, -1) != 0)
			break;
		rbuf r;
		rb_init(&r, req, n);
		wbuf w;
		wb_init(&w);
		uint8_t op = rb_u8(&r);
		switch (op) {
		case R_LIST:
			if (rb_done(&r))
				op_list(&w);
			else
				wb_u32(&w, (uint32_t)SCARD_E_INVALID_PARAMETER);
			break;
		case R_CONNECT:
			op_connect(&r, &w);
			break;
		case R_TRANSMIT:
			op_transmit(&r, &w);
			break;
		case R_BEGIN:
		case R_END:
		case R_RECONNECT:
		case R_DISCONNECT:
		case R_STATUS:
			op_handle(op, &r, &w);
			break;
		default:
			wb_u32(&w, (uint32_t)SCARD_E_INVALID_PARAMETER);
		}
		free(req);
		int failed = w.failed || wire_write_frame(STDOUT_FILENO, w.data, w.len, -1) != 0;
		wb_free(&w);
		if (failed)
			break;
	}
	for (int i = 0; i < MAX_HANDLES; i++)
		if (g_handles[i].used)
			SCardDisconnect(g_handles[i].card, SCARD_LEAVE_CARD);
	if (g_have_ctx)
		SCardReleaseContext(g_ctx);
	return 0;
}
