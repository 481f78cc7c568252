/*
 * Bad arguments, one call each, with the return value PKCS#11 v2.40 requires (the section is
 * named beside each group). The daemon runs in `application` PIN mode with one paired card; LAST4
 * is its PIN's second half.
 */
#include "p11-check.h"

#include <stdio.h>
#include <string.h>

#define E(what, call, want) expect_rv(what, (call), (want))

static CK_RV dummy_mutex(void **m)
{
	(void)m;
	return CKR_OK;
}
static CK_RV dummy_mutex1(void *m)
{
	(void)m;
	return CKR_OK;
}

static void before_initialize(void)
{
	CK_INFO info;
	CK_ULONG n = 0;
	CK_SESSION_HANDLE h = 0;
	CK_BYTE buf[8];
	E("§5.4 C_GetFunctionList(NULL)", P->C_GetFunctionList(NULL), CKR_ARGUMENTS_BAD);
	E("§5.4 C_GetInfo before C_Initialize", P->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	E("§5.4 C_Finalize before C_Initialize", P->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	E("§5.5 C_GetSlotList before C_Initialize", P->C_GetSlotList(CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	E("§5.6 C_OpenSession before C_Initialize", P->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL, &h),
	  CKR_CRYPTOKI_NOT_INITIALIZED);
	E("§5.11 C_Sign before C_Initialize", P->C_Sign(1, buf, 4, buf, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	E("§5.13 C_GenerateRandom before C_Initialize", P->C_GenerateRandom(1, buf, 4), CKR_CRYPTOKI_NOT_INITIALIZED);

	CK_C_INITIALIZE_ARGS a;
	memset(&a, 0, sizeof a);
	a.pReserved = &a;
	E("§5.4 C_Initialize with pReserved set", P->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	memset(&a, 0, sizeof a);
	a.CreateMutex = dummy_mutex;
	a.LockMutex = dummy_mutex1;
	E("§5.4 C_Initialize with 2 of the 4 mutex functions", P->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	a.DestroyMutex = dummy_mutex1;
	a.UnlockMutex = dummy_mutex1;
	E("§5.4 C_Initialize with mutex functions, no CKF_OS_LOCKING_OK", P->C_Initialize(&a), CKR_CANT_LOCK);
	a.flags = CKF_OS_LOCKING_OK;
	E("§5.4 C_Initialize with mutex functions and CKF_OS_LOCKING_OK", P->C_Initialize(&a), CKR_OK);
	E("§5.4 C_Initialize twice", P->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	E("§5.4 C_Finalize(non-NULL)", P->C_Finalize(&a), CKR_ARGUMENTS_BAD);
	E("§5.4 C_GetInfo(NULL)", P->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
	E("§5.4 C_GetInfo", P->C_GetInfo(&info), CKR_OK);
}

/* The slot holding the card, or 0. */
static CK_SLOT_ID slots(void)
{
	CK_ULONG n = 0;
	CK_SLOT_ID list[16];
	E("§5.5 C_GetSlotList(pulCount NULL)", P->C_GetSlotList(CK_TRUE, NULL, NULL), CKR_ARGUMENTS_BAD);
	E("§5.5 C_GetSlotList length query", P->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
	CK_ULONG small = 0;
	E("§5.5 C_GetSlotList into a buffer of 0", P->C_GetSlotList(CK_TRUE, list, &small), n ? CKR_BUFFER_TOO_SMALL : CKR_OK);
	if (small != n) {
		printf("FAIL C_GetSlotList did not report the needed length (%lu, %lu)\n", (unsigned long)small, (unsigned long)n);
		g_failures++;
	}
	n = 16;
	E("§5.5 C_GetSlotList", P->C_GetSlotList(CK_TRUE, list, &n), CKR_OK);
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	E("§5.5 C_GetSlotInfo(NULL)", P->C_GetSlotInfo(list[0], NULL), CKR_ARGUMENTS_BAD);
	E("§5.5 C_GetSlotInfo(unknown slot)", P->C_GetSlotInfo(0xdeadbeef, &si), CKR_SLOT_ID_INVALID);
	E("§5.5 C_GetSlotInfo(huge slot id)", P->C_GetSlotInfo((CK_SLOT_ID)-2, &si), CKR_SLOT_ID_INVALID);
	E("§5.5 C_GetTokenInfo(NULL)", P->C_GetTokenInfo(list[0], NULL), CKR_ARGUMENTS_BAD);
	E("§5.5 C_GetTokenInfo(unknown slot)", P->C_GetTokenInfo(0xdeadbeef, &ti), CKR_SLOT_ID_INVALID);
	CK_MECHANISM_TYPE mechs[4];
	CK_ULONG m = 0;
	CK_MECHANISM_INFO mi;
	E("§5.5 C_GetMechanismList(pulCount NULL)", P->C_GetMechanismList(list[0], NULL, NULL), CKR_ARGUMENTS_BAD);
	E("§5.5 C_GetMechanismList into a buffer of 0", P->C_GetMechanismList(list[0], mechs, &m), CKR_BUFFER_TOO_SMALL);
	E("§5.5 C_GetMechanismInfo(CKM_RSA_PKCS_PSS)", P->C_GetMechanismInfo(list[0], CKM_RSA_PKCS_PSS, &mi),
	  CKR_MECHANISM_INVALID);
	E("§5.5 C_GetMechanismInfo(NULL)", P->C_GetMechanismInfo(list[0], CKM_RSA_PKCS, NULL), CKR_ARGUMENTS_BAD);
	return n ? list[0] : 0;
}

static CK_SESSION_HANDLE sessions(CK_SLOT_ID slot, const char *last4)
{
	CK_SESSION_HANDLE h = 0;
	CK_SESSION_INFO info;
	E("§5.6 C_OpenSession without CKF_SERIAL_SESSION", P->C_OpenSession(slot, 0, NULL, NULL, &h),
	  CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	E("§5.6 C_OpenSession(phSession NULL)", P->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, NULL),
	  CKR_ARGUMENTS_BAD);
	E("§5.6 C_OpenSession(unknown slot)", P->C_OpenSession(0xdeadbeef, CKF_SERIAL_SESSION, NULL, NULL, &h),
	  CKR_SLOT_ID_INVALID);
	E("§5.6 C_OpenSession R/W on a write-protected token",
	  P->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h), CKR_TOKEN_WRITE_PROTECTED);
	E("§5.6 C_OpenSession", P->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK);
	E("§5.6 C_CloseSession(unknown handle)", P->C_CloseSession(h + 7777), CKR_SESSION_HANDLE_INVALID);
	E("§5.6 C_GetSessionInfo(NULL)", P->C_GetSessionInfo(h, NULL), CKR_ARGUMENTS_BAD);
	E("§5.6 C_GetSessionInfo(unknown handle)", P->C_GetSessionInfo(0, &info), CKR_SESSION_HANDLE_INVALID);
	CK_UTF8CHAR pin[8];
	memcpy(pin, last4, 4);
	E("§5.6 C_Login(pPin NULL, length 4)", P->C_Login(h, CKU_USER, NULL, 4), CKR_ARGUMENTS_BAD);
	E("§5.6 C_Login(unknown user type)", P->C_Login(h, 77, pin, 4), CKR_USER_TYPE_INVALID);
	E("§5.6 C_Login(unknown handle)", P->C_Login(h + 7777, CKU_USER, pin, 4), CKR_SESSION_HANDLE_INVALID);
	E("§5.6 C_Login(2 digits)", P->C_Login(h, CKU_USER, pin, 2), CKR_PIN_INCORRECT);
	E("§5.6 C_Login(length beyond any PIN, not read)", P->C_Login(h, CKU_USER, pin, 1u << 30), CKR_PIN_INCORRECT);
	E("§5.6 C_Logout before login", P->C_Logout(h), CKR_USER_NOT_LOGGED_IN);
	return h;
}

static CK_OBJECT_HANDLE objects(CK_SESSION_HANDLE h)
{
	CK_OBJECT_HANDLE found[4];
	CK_ULONG n = 0;
	CK_ATTRIBUTE bad = { CKA_CLASS, NULL, 8 };
	E("§5.7 C_FindObjectsInit(NULL template, count 1)", P->C_FindObjectsInit(h, NULL, 1), CKR_ARGUMENTS_BAD);
	E("§5.7 C_FindObjectsInit(attribute without value, length 8)", P->C_FindObjectsInit(h, &bad, 1), CKR_ARGUMENTS_BAD);
	E("§5.7 C_FindObjects before C_FindObjectsInit", P->C_FindObjects(h, found, 4, &n), CKR_OPERATION_NOT_INITIALIZED);
	E("§5.7 C_FindObjectsFinal before C_FindObjectsInit", P->C_FindObjectsFinal(h), CKR_OPERATION_NOT_INITIALIZED);
	E("§5.7 C_FindObjectsInit(all)", P->C_FindObjectsInit(h, NULL, 0), CKR_OK);
	E("§5.7 C_FindObjectsInit twice", P->C_FindObjectsInit(h, NULL, 0), CKR_OPERATION_ACTIVE);
	E("§5.7 C_FindObjects(phObject NULL)", P->C_FindObjects(h, NULL, 4, &n), CKR_ARGUMENTS_BAD);
	E("§5.7 C_FindObjects(pulObjectCount NULL)", P->C_FindObjects(h, found, 4, NULL), CKR_ARGUMENTS_BAD);
	E("§5.7 C_FindObjects", P->C_FindObjects(h, found, 4, &n), CKR_OK);
	E("§5.7 C_FindObjectsFinal", P->C_FindObjectsFinal(h), CKR_OK);
	CK_OBJECT_HANDLE cert = n ? found[0] : 0;
	CK_BYTE small[4];
	CK_ATTRIBUTE t[2] = { { CKA_VALUE, small, sizeof small }, { 0x7fff0001UL, NULL, 0 } };
	E("§5.7 C_GetAttributeValue(NULL template, count 1)", P->C_GetAttributeValue(h, cert, NULL, 1), CKR_ARGUMENTS_BAD);
	E("§5.7 C_GetAttributeValue(unknown object)", P->C_GetAttributeValue(h, cert + 7777, t, 1), CKR_OBJECT_HANDLE_INVALID);
	E("§5.7 C_GetAttributeValue(CKA_VALUE into 4 bytes)", P->C_GetAttributeValue(h, cert, t, 1), CKR_BUFFER_TOO_SMALL);
	if (t[0].ulValueLen != CK_UNAVAILABLE_INFORMATION) {
		printf("FAIL a too-small buffer did not get CK_UNAVAILABLE_INFORMATION\n");
		g_failures++;
	}
	t[0].pValue = NULL;
	E("§5.7 C_GetAttributeValue(CKA_VALUE length query, unknown type)", P->C_GetAttributeValue(h, cert, t, 2),
	  CKR_ATTRIBUTE_TYPE_INVALID);
	if (t[0].ulValueLen < 500 || t[0].ulValueLen > 4096 || t[1].ulValueLen != CK_UNAVAILABLE_INFORMATION) {
		printf("FAIL length query / invalid type lengths: %lu, %lu\n", (unsigned long)t[0].ulValueLen,
		       (unsigned long)t[1].ulValueLen);
		g_failures++;
	}
	return cert;
}

static void signatures(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE cert, const char *last4)
{
	CK_BYTE data[300], sig[512];
	CK_ULONG len = sizeof sig;
	memset(data, 0x5a, sizeof data);
	CK_MECHANISM rsa = { CKM_RSA_PKCS, NULL, 0 }, pss = { CKM_RSA_PKCS_PSS, NULL, 0 };
	CK_MECHANISM lying = { CKM_RSA_PKCS, NULL, 16 }, param = { CKM_RSA_PKCS, data, 8 };
	E("§5.11 C_SignInit(pMechanism NULL)", P->C_SignInit(h, NULL, cert), CKR_ARGUMENTS_BAD);
	E("§5.11 C_SignInit(parameter NULL, length 16)", P->C_SignInit(h, &lying, cert), CKR_ARGUMENTS_BAD);
	E("§5.11 C_Sign without C_SignInit", P->C_Sign(h, data, 51, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
	E("§5.11 C_SignInit(the certificate)", P->C_SignInit(h, &rsa, cert), CKR_KEY_TYPE_INCONSISTENT);
	CK_UTF8CHAR pin[4];
	memcpy(pin, last4, 4);
	E("§5.6 C_Login", P->C_Login(h, CKU_USER, pin, 4), CKR_OK);
	E("§5.6 C_Login twice", P->C_Login(h, CKU_USER, pin, 4), CKR_USER_ALREADY_LOGGED_IN);
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE want = { CKA_CLASS, &cls, sizeof cls };
	CK_OBJECT_HANDLE key = 0;
	CK_ULONG n = 0;
	E("§5.7 C_FindObjectsInit(private key)", P->C_FindObjectsInit(h, &want, 1), CKR_OK);
	E("§5.7 C_FindObjects(private key)", P->C_FindObjects(h, &key, 1, &n), CKR_OK);
	E("§5.7 C_FindObjectsFinal", P->C_FindObjectsFinal(h), CKR_OK);
	E("§5.11 C_SignInit(CKM_RSA_PKCS_PSS)", P->C_SignInit(h, &pss, key), CKR_MECHANISM_INVALID);
	E("§5.11 C_SignInit(CKM_RSA_PKCS with a parameter)", P->C_SignInit(h, &param, key), CKR_MECHANISM_PARAM_INVALID);
	E("§5.11 C_SignInit(unknown key)", P->C_SignInit(h, &rsa, key + 7777), CKR_KEY_HANDLE_INVALID);
	E("§5.11 C_SignInit", P->C_SignInit(h, &rsa, key), CKR_OK);
	E("§5.11 C_SignInit while active", P->C_SignInit(h, &rsa, key), CKR_OPERATION_ACTIVE);
	E("§5.11 C_Sign(pData NULL, length 51)", P->C_Sign(h, NULL, 51, sig, &len), CKR_ARGUMENTS_BAD);
	E("§5.11 C_Sign after an error ended the operation", P->C_Sign(h, data, 51, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
	E("§5.11 C_SignInit", P->C_SignInit(h, &rsa, key), CKR_OK);
	E("§5.11 C_Sign(pulSignatureLen NULL)", P->C_Sign(h, data, 51, sig, NULL), CKR_ARGUMENTS_BAD);
	E("§5.11 C_SignInit", P->C_SignInit(h, &rsa, key), CKR_OK);
	E("§5.11 C_Sign(300 bytes: more than k - 11)", P->C_Sign(h, data, 300, sig, &len), CKR_DATA_LEN_RANGE);
	E("§5.11 C_SignInit", P->C_SignInit(h, &rsa, key), CKR_OK);
	E("§5.11 C_Sign(length beyond any input, not read)", P->C_Sign(h, data, 1u << 30, sig, &len), CKR_DATA_LEN_RANGE);
	E("§5.11 C_SignInit", P->C_SignInit(h, &rsa, key), CKR_OK);
	len = 0;
	E("§5.11 C_Sign length query", P->C_Sign(h, data, 51, NULL, &len), CKR_OK);
	CK_ULONG need = len;
	len = 10;
	E("§5.11 C_Sign into 10 bytes", P->C_Sign(h, data, 51, sig, &len), CKR_BUFFER_TOO_SMALL);
	if (len != need || need != 256) {
		printf("FAIL signature length %lu / %lu, want 256\n", (unsigned long)len, (unsigned long)need);
		g_failures++;
	}
	len = sizeof sig;
	E("§5.11 C_Sign", P->C_Sign(h, data, 51, sig, &len), CKR_OK);
	E("§5.11 C_SignUpdate without C_SignInit", P->C_SignUpdate(h, data, 10), CKR_OPERATION_NOT_INITIALIZED);
	E("§5.11 C_SignFinal without C_SignInit", P->C_SignFinal(h, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
	E("§5.11 C_SignInit", P->C_SignInit(h, &rsa, key), CKR_OK);
	E("§5.11 C_SignUpdate(pPart NULL, length 4)", P->C_SignUpdate(h, NULL, 4), CKR_ARGUMENTS_BAD);
	E("§5.11 C_SignFinal after an error ended the operation", P->C_SignFinal(h, sig, &len), CKR_OPERATION_NOT_INITIALIZED);
	E("§5.6 C_Logout", P->C_Logout(h), CKR_OK);
	E("§5.11 C_SignInit after logout", P->C_SignInit(h, &rsa, key), CKR_USER_NOT_LOGGED_IN);
}

static void unsupported(CK_SESSION_HANDLE h)
{
	CK_BYTE b[8];
	CK_ULONG n = sizeof b;
	CK_SLOT_ID s;
	E("§5.9 C_Encrypt", P->C_Encrypt(h, b, 4, b, &n), CKR_FUNCTION_NOT_SUPPORTED);
	E("§5.13 C_GenerateRandom", P->C_GenerateRandom(h, b, 4), CKR_FUNCTION_NOT_SUPPORTED);
	E("§5.16 C_GetFunctionStatus", P->C_GetFunctionStatus(h), CKR_FUNCTION_NOT_PARALLEL);
	E("§5.5 C_WaitForSlotEvent", P->C_WaitForSlotEvent(0, &s, NULL), CKR_FUNCTION_NOT_SUPPORTED);
	E("§5.6 C_InitPIN", P->C_InitPIN(h, b, 4), CKR_FUNCTION_NOT_SUPPORTED);
}

int run_bad_args(const char *last4)
{
	before_initialize();
	CK_SLOT_ID slot = slots();
	if (!slot) {
		printf("FAIL no slot with a token\n");
		return 1;
	}
	CK_SESSION_HANDLE h = sessions(slot, last4);
	CK_OBJECT_HANDLE cert = objects(h);
	signatures(h, cert, last4);
	unsupported(h);
	E("§5.6 C_CloseSession", P->C_CloseSession(h), CKR_OK);
	E("§5.6 C_CloseSession twice", P->C_CloseSession(h), CKR_SESSION_HANDLE_INVALID);
	E("§5.6 C_CloseAllSessions(unknown slot)", P->C_CloseAllSessions(0xdeadbeef), CKR_SLOT_ID_INVALID);
	E("§5.4 C_Finalize", P->C_Finalize(NULL), CKR_OK);
	CK_ULONG n = 0;
	E("§5.5 C_GetSlotList after C_Finalize", P->C_GetSlotList(CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	return 0;
}

/* No daemon listening: the library works, offers no slot, and every token call is a device error. */
int run_absent(void)
{
	CK_ULONG n = 99;
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE h;
	E("§5.4 C_Initialize (no daemon)", P->C_Initialize(NULL), CKR_OK);
	E("§5.5 C_GetSlotList (no daemon)", P->C_GetSlotList(CK_FALSE, NULL, &n), CKR_OK);
	if (n != 0) {
		printf("FAIL %lu slots without a daemon\n", (unsigned long)n);
		g_failures++;
	}
	E("§5.5 C_GetSlotInfo (no daemon)", P->C_GetSlotInfo(1, &si), CKR_DEVICE_ERROR);
	E("§5.5 C_GetTokenInfo (no daemon)", P->C_GetTokenInfo(1, &ti), CKR_DEVICE_ERROR);
	E("§5.6 C_OpenSession (no daemon)", P->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_DEVICE_ERROR);
	E("§5.4 C_Finalize", P->C_Finalize(NULL), CKR_OK);
	return 0;
}
