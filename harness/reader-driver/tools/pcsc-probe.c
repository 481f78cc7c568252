/*
 * pcsc-probe: what a PC/SC application learns about a reader and its card, through the calls the
 * `smartcard` npm binding does not expose. Used by the integration tests and for diagnosis.
 *
 *   pcsc-probe "CIE Bench Virtual Reader 00 00"
 *
 * Prints one `key=value` line per check (hex for bytes, `error:0x........ text` on failure):
 *   status_atr       ATR from SCardStatus
 *   attrib_atr       SCardGetAttrib(SCARD_ATTR_ATR_STRING)   (what the CIE middleware uses)
 *   attrib_vendor    SCardGetAttrib(SCARD_ATTR_VENDOR_NAME)
 *   features         SCardControl(CM_IOCTL_GET_FEATURE_REQUEST)
 *   tlv_properties   SCardControl(<FEATURE_GET_TLV_PROPERTIES ioctl>), when the feature is listed
 *   max_apdu         dwMaxAPDUDataSize from the TLV properties (PC/SC part 10 §2.6.14)
 * Exit status: 0 when it could connect, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winscard.h>
#include <reader.h>

static void print_hex(const char *key, const BYTE *b, DWORD n)
{
	printf("%s=", key);
	for (DWORD i = 0; i < n; i++)
		printf("%02X", b[i]);
	printf("\n");
}

static void print_error(const char *key, LONG rv)
{
	printf("%s=error:0x%08lX %s\n", key, (unsigned long)rv, pcsc_stringify_error(rv));
}

static void probe_attrib(SCARDHANDLE card, const char *key, DWORD attr)
{
	BYTE buf[256];
	DWORD len = sizeof buf;
	LONG rv = SCardGetAttrib(card, attr, buf, &len);
	if (rv == SCARD_S_SUCCESS)
		print_hex(key, buf, len);
	else
		print_error(key, rv);
}

/* Returns the ioctl of FEATURE_GET_TLV_PROPERTIES, or 0 when the reader does not list it. */
static DWORD probe_features(SCARDHANDLE card)
{
	BYTE buf[256];
	DWORD len = 0, ioctl = 0;
	LONG rv = SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, buf, sizeof buf, &len);
	if (rv != SCARD_S_SUCCESS) {
		print_error("features", rv);
		return 0;
	}
	print_hex("features", buf, len);
	for (DWORD i = 0; i + 6 <= len; i += 6)
		if (buf[i] == FEATURE_GET_TLV_PROPERTIES && buf[i + 1] == 4)
			ioctl = ((DWORD)buf[i + 2] << 24) | ((DWORD)buf[i + 3] << 16) | ((DWORD)buf[i + 4] << 8) | buf[i + 5];
	return ioctl;
}

static void probe_tlv(SCARDHANDLE card, DWORD ioctl)
{
	BYTE buf[256];
	DWORD len = 0;
	LONG rv = SCardControl(card, ioctl, NULL, 0, buf, sizeof buf, &len);
	if (rv != SCARD_S_SUCCESS) {
		print_error("tlv_properties", rv);
		return;
	}
	print_hex("tlv_properties", buf, len);
	for (DWORD i = 0; i + 2 <= len; i += 2u + buf[i + 1])
		if (buf[i] == PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize && buf[i + 1] == 4 && i + 6 <= len)
			printf("max_apdu=%lu\n", (unsigned long)(buf[i + 2] | (buf[i + 3] << 8) | (buf[i + 4] << 16) |
							  ((DWORD)buf[i + 5] << 24)));
}

int main(int argc, char **argv)
{
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	DWORD proto = 0, atrLen = MAX_ATR_SIZE, state = 0, nameLen = 0;
	BYTE atr[MAX_ATR_SIZE];
	LONG rv;

	if (argc != 2) {
		fprintf(stderr, "usage: %s \"<reader name>\"\n", argv[0]);
		return 2;
	}
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		print_error("context", rv);
		return 1;
	}
	rv = SCardConnect(ctx, argv[1], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto);
	if (rv != SCARD_S_SUCCESS) {
		print_error("connect", rv);
		SCardReleaseContext(ctx);
		return 1;
	}
	printf("protocol=T%d\n", proto == SCARD_PROTOCOL_T1 ? 1 : 0);
	rv = SCardStatus(card, NULL, &nameLen, &state, &proto, atr, &atrLen);
	if (rv == SCARD_S_SUCCESS)
		print_hex("status_atr", atr, atrLen);
	else
		print_error("status_atr", rv);
	probe_attrib(card, "attrib_atr", SCARD_ATTR_ATR_STRING);
	probe_attrib(card, "attrib_vendor", SCARD_ATTR_VENDOR_NAME);
	DWORD ioctl = probe_features(card);
	if (ioctl)
		probe_tlv(card, ioctl);
	SCardDisconnect(card, SCARD_LEAVE_CARD);
	SCardReleaseContext(ctx);
	return 0;
}
