/*
 * `p11-check MODULE sign N LAST4`: logs in on the first token and runs N × (C_SignInit + C_Sign,
 * CKM_RSA_PKCS over a SHA-256 DigestInfo), printing each call's wall time in milliseconds (one
 * `sign-ms <ms>` line per signature) for `npm run bench`. Not a test: nothing is asserted here.
 */
#include "p11-check.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

int run_sign_timing(unsigned long n, const char *last4)
{
	CK_SLOT_ID slots[8];
	CK_ULONG count = 8;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_ULONG found = 0;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tpl = { CKA_CLASS, &cls, sizeof cls };
	CK_MECHANISM rsa = { CKM_RSA_PKCS, NULL, 0 };
	CK_UTF8CHAR pin[4];
	/* DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1) and a fixed digest. */
	CK_BYTE di[51] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
			   0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
	CK_BYTE sig[512];
	memset(di + 19, 0x5a, 32);
	memcpy(pin, last4, 4);
	if (P->C_Initialize(NULL) != CKR_OK || P->C_GetSlotList(CK_TRUE, slots, &count) != CKR_OK || count == 0 ||
	    P->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK ||
	    P->C_Login(s, CKU_USER, pin, 4) != CKR_OK || P->C_FindObjectsInit(s, &tpl, 1) != CKR_OK ||
	    P->C_FindObjects(s, &key, 1, &found) != CKR_OK || found != 1 || P->C_FindObjectsFinal(s) != CKR_OK) {
		fprintf(stderr, "sign timing: no logged-in token with a private key\n");
		return 2;
	}
	for (unsigned long i = 0; i < n; i++) {
		CK_ULONG len = sizeof sig;
		double t0 = now_ms();
		CK_RV rv = P->C_SignInit(s, &rsa, key);
		if (rv == CKR_OK)
			rv = P->C_Sign(s, di, sizeof di, sig, &len);
		if (rv != CKR_OK) {
			fprintf(stderr, "sign timing: 0x%lx\n", (unsigned long)rv);
			return 1;
		}
		printf("sign-ms %.3f\n", now_ms() - t0);
	}
	P->C_Finalize(NULL);
	return 0;
}
