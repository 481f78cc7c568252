/*
 * libciebench-pkcs11.so — general, slot, token, session and login entry points (PKCS#11 v2.40
 * §5.4–5.6). The module checks what only it can check (initialisation, pointers, buffer sizes,
 * bounds) and forwards the rest to the bench daemon, which owns slots, sessions, objects and the
 * card (BRIDGE-PROTOCOL.md). Whatever the daemon answers, a malformed answer is CKR_DEVICE_ERROR.
 */
#include "module.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_initialized;
static pid_t g_pid;

CK_RV module_check(void)
{
	pthread_mutex_lock(&g_lock);
	/* A forked child must call C_Initialize again (PKCS#11 v2.40 §6.7.1). */
	int ok = g_initialized && g_pid == getpid();
	pthread_mutex_unlock(&g_lock);
	return ok ? CKR_OK : CKR_CRYPTOKI_NOT_INITIALIZED;
}

CK_RV module_call(wbuf *w, answer *a, int *absent)
{
	a->mem = NULL;
	a->rv = CKR_DEVICE_ERROR;
	rb_init(&a->r, NULL, 0);
	if (absent)
		*absent = 0;
	pthread_mutex_lock(&g_lock);
	if (!g_initialized || g_pid != getpid()) {
		pthread_mutex_unlock(&g_lock);
		wb_free(w);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	uint32_t rv = 0;
	uint8_t op = w->len > 1 ? w->data[1] : 0;
	bridge_status st = bridge_call(w, &rv, &a->mem, &a->r);
	pthread_mutex_unlock(&g_lock);
	wb_free(w);
	if (st == BRIDGE_ABSENT && absent)
		*absent = 1;
	if (st != BRIDGE_OK)
		return CKR_DEVICE_ERROR;
	a->rv = legal_rv(op, rv);
	return a->rv;
}

CK_RV answer_end(answer *a, CK_RV rv)
{
	int ok = rb_done(&a->r);
	free(a->mem);
	a->mem = NULL;
	if (!ok) {
		bridge_log("malformed answer from the daemon");
		return CKR_DEVICE_ERROR;
	}
	return rv;
}

CK_RV answer_fail(answer *a)
{
	free(a->mem);
	a->mem = NULL;
	bridge_log("malformed answer from the daemon");
	return CKR_DEVICE_ERROR;
}

void fill_text(unsigned char *dst, size_t size, const unsigned char *src, size_t n)
{
	memset(dst, ' ', size);
	if (src)
		memcpy(dst, src, n < size ? n : size);
}

/* §5.4: C_Initialize — the locking rules of CK_C_INITIALIZE_ARGS. */
P11_EXPORT CK_RV C_Initialize(CK_VOID_PTR pInitArgs)
{
	if (pInitArgs) {
		CK_C_INITIALIZE_ARGS *args = (CK_C_INITIALIZE_ARGS *)pInitArgs;
		if (args->pReserved)
			return CKR_ARGUMENTS_BAD;
		int given = (args->CreateMutex != NULL) + (args->DestroyMutex != NULL) +
			    (args->LockMutex != NULL) + (args->UnlockMutex != NULL);
		if (given != 0 && given != 4)
			return CKR_ARGUMENTS_BAD;
		/* Only the operating system's locking is implemented (pthreads). */
		if (given == 4 && !(args->flags & CKF_OS_LOCKING_OK))
			return CKR_CANT_LOCK;
	}
	pthread_mutex_lock(&g_lock);
	CK_RV rv = CKR_OK;
	if (g_initialized && g_pid == getpid()) {
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
	} else {
		/* After fork the parent's connection is not ours to use. */
		bridge_close();
		g_initialized = 1;
		g_pid = getpid();
	}
	pthread_mutex_unlock(&g_lock);
	return rv;
}

P11_EXPORT CK_RV C_Finalize(CK_VOID_PTR pReserved)
{
	if (pReserved)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&g_lock);
	CK_RV rv = CKR_OK;
	if (!g_initialized || g_pid != getpid()) {
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	} else {
		bridge_close();
		g_initialized = 0;
	}
	pthread_mutex_unlock(&g_lock);
	return rv;
}

P11_EXPORT CK_RV C_GetInfo(CK_INFO_PTR pInfo)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	memset(pInfo, 0, sizeof *pInfo);
	pInfo->cryptokiVersion.major = 2;
	pInfo->cryptokiVersion.minor = 40;
	fill_text(pInfo->manufacturerID, sizeof pInfo->manufacturerID,
		  (const unsigned char *)"CIE Bench", 9);
	fill_text(pInfo->libraryDescription, sizeof pInfo->libraryDescription,
		  (const unsigned char *)"CIE Bench PKCS#11 bridge", 24);
	pInfo->libraryVersion.major = 1;
	pInfo->libraryVersion.minor = 0;
	return CKR_OK;
}

/* A list of CK_ULONG ids answered by the daemon, copied with the buffer rules of §5.2. */
static CK_RV copy_id_list(answer *a, CK_ULONG_PTR out, CK_ULONG_PTR count)
{
	uint32_t n = rb_u32(&a->r);
	if (a->r.failed || n > MAX_LIST)
		return answer_fail(a);
	CK_RV rv = CKR_OK;
	int fits = out == NULL || *count >= n;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t id = rb_u64(&a->r);
		if (out && fits)
			out[i] = (CK_ULONG)id;
	}
	if (out && !fits)
		rv = CKR_BUFFER_TOO_SMALL;
	rv = answer_end(a, rv);
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		*count = n;
	return rv;
}

P11_EXPORT CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pulCount)
		return CKR_ARGUMENTS_BAD;
	wbuf w;
	bridge_request(&w, OP_SLOT_LIST);
	wb_u8(&w, tokenPresent ? 1 : 0);
	answer a;
	int absent = 0;
	rv = module_call(&w, &a, &absent);
	if (absent) {
		/* No daemon: no readers to offer (C_GetSlotList has no device error). */
		*pulCount = 0;
		return CKR_OK;
	}
	if (rv != CKR_OK) {
		free(a.mem);
		return rv == CKR_DEVICE_ERROR ? CKR_FUNCTION_FAILED : rv;
	}
	/* C_GetSlotList uses no token: a malformed answer is a failed function, not a device error. */
	rv = copy_id_list(&a, pSlotList, pulCount);
	return rv == CKR_DEVICE_ERROR ? CKR_FUNCTION_FAILED : rv;
}

P11_EXPORT CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	wbuf w;
	bridge_request(&w, OP_SLOT_INFO);
	wb_u64(&w, slotID);
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	size_t dn = 0, mn = 0;
	const unsigned char *desc = rb_bytes(&a.r, 64, &dn);
	const unsigned char *manu = rb_bytes(&a.r, 32, &mn);
	uint64_t flags = rb_u64(&a.r);
	uint8_t v[4];
	for (int i = 0; i < 4; i++)
		v[i] = rb_u8(&a.r);
	if (!rb_done(&a.r))
		return answer_fail(&a);
	memset(pInfo, 0, sizeof *pInfo);
	fill_text(pInfo->slotDescription, sizeof pInfo->slotDescription, desc, dn);
	fill_text(pInfo->manufacturerID, sizeof pInfo->manufacturerID, manu, mn);
	pInfo->flags = (CK_FLAGS)flags;
	pInfo->hardwareVersion.major = v[0];
	pInfo->hardwareVersion.minor = v[1];
	pInfo->firmwareVersion.major = v[2];
	pInfo->firmwareVersion.minor = v[3];
	return answer_end(&a, CKR_OK);
}

P11_EXPORT CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	wbuf w;
	bridge_request(&w, OP_TOKEN_INFO);
	wb_u64(&w, slotID);
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	size_t n[5];
	const unsigned char *label = rb_bytes(&a.r, 32, &n[0]);
	const unsigned char *manu = rb_bytes(&a.r, 32, &n[1]);
	const unsigned char *model = rb_bytes(&a.r, 16, &n[2]);
	const unsigned char *serial = rb_bytes(&a.r, 16, &n[3]);
	uint64_t u[11];
	for (int i = 0; i < 11; i++)
		u[i] = rb_u64(&a.r);
	uint8_t v[4];
	for (int i = 0; i < 4; i++)
		v[i] = rb_u8(&a.r);
	const unsigned char *utc = rb_bytes(&a.r, 16, &n[4]);
	if (!rb_done(&a.r))
		return answer_fail(&a);
	memset(pInfo, 0, sizeof *pInfo);
	fill_text(pInfo->label, sizeof pInfo->label, label, n[0]);
	fill_text(pInfo->manufacturerID, sizeof pInfo->manufacturerID, manu, n[1]);
	fill_text(pInfo->model, sizeof pInfo->model, model, n[2]);
	fill_text(pInfo->serialNumber, sizeof pInfo->serialNumber, serial, n[3]);
	pInfo->flags = (CK_FLAGS)u[0];
	pInfo->ulMaxSessionCount = (CK_ULONG)u[1];
	pInfo->ulSessionCount = (CK_ULONG)u[2];
	pInfo->ulMaxRwSessionCount = (CK_ULONG)u[3];
	pInfo->ulRwSessionCount = (CK_ULONG)u[4];
	pInfo->ulMaxPinLen = (CK_ULONG)u[5];
	pInfo->ulMinPinLen = (CK_ULONG)u[6];
	pInfo->ulTotalPublicMemory = (CK_ULONG)u[7];
	pInfo->ulFreePublicMemory = (CK_ULONG)u[8];
	pInfo->ulTotalPrivateMemory = (CK_ULONG)u[9];
	pInfo->ulFreePrivateMemory = (CK_ULONG)u[10];
	pInfo->hardwareVersion.major = v[0];
	pInfo->hardwareVersion.minor = v[1];
	pInfo->firmwareVersion.major = v[2];
	pInfo->firmwareVersion.minor = v[3];
	fill_text(pInfo->utcTime, sizeof pInfo->utcTime, utc, n[4]);
	return answer_end(&a, CKR_OK);
}

P11_EXPORT CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
				    CK_ULONG_PTR pulCount)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pulCount)
		return CKR_ARGUMENTS_BAD;
	wbuf w;
	bridge_request(&w, OP_MECH_LIST);
	wb_u64(&w, slotID);
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	return copy_id_list(&a, pMechanismList, pulCount);
}

P11_EXPORT CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type,
				    CK_MECHANISM_INFO_PTR pInfo)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	wbuf w;
	bridge_request(&w, OP_MECH_INFO);
	wb_u64(&w, slotID);
	wb_u64(&w, type);
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	uint64_t min = rb_u64(&a.r), max = rb_u64(&a.r), flags = rb_u64(&a.r);
	if (!rb_done(&a.r))
		return answer_fail(&a);
	pInfo->ulMinKeySize = (CK_ULONG)min;
	pInfo->ulMaxKeySize = (CK_ULONG)max;
	pInfo->flags = (CK_FLAGS)flags;
	return answer_end(&a, CKR_OK);
}

/* A request that carries one id and answers nothing but a return value. */
static CK_RV simple_call(uint8_t op, uint64_t id)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	wbuf w;
	bridge_request(&w, op);
	wb_u64(&w, id);
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	return answer_end(&a, CKR_OK);
}

P11_EXPORT CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication,
			       CK_NOTIFY Notify, CK_SESSION_HANDLE_PTR phSession)
{
	(void)pApplication;
	(void)Notify; /* The module makes no callbacks (§5.6: optional). */
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!phSession)
		return CKR_ARGUMENTS_BAD;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	wbuf w;
	bridge_request(&w, OP_OPEN_SESSION);
	wb_u64(&w, slotID);
	wb_u64(&w, flags);
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	uint64_t h = rb_u64(&a.r);
	rv = answer_end(&a, CKR_OK);
	if (rv == CKR_OK)
		*phSession = (CK_SESSION_HANDLE)h;
	return rv;
}

P11_EXPORT CK_RV C_CloseSession(CK_SESSION_HANDLE hSession)
{
	return simple_call(OP_CLOSE_SESSION, hSession);
}

P11_EXPORT CK_RV C_CloseAllSessions(CK_SLOT_ID slotID)
{
	return simple_call(OP_CLOSE_ALL, slotID);
}

P11_EXPORT CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	wbuf w;
	bridge_request(&w, OP_SESSION_INFO);
	wb_u64(&w, hSession);
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	uint64_t slot = rb_u64(&a.r), state = rb_u64(&a.r), flags = rb_u64(&a.r);
	uint64_t device_error = rb_u64(&a.r);
	rv = answer_end(&a, CKR_OK);
	if (rv == CKR_OK) {
		pInfo->slotID = (CK_SLOT_ID)slot;
		pInfo->state = (CK_STATE)state;
		pInfo->flags = (CK_FLAGS)flags;
		pInfo->ulDeviceError = (CK_ULONG)device_error;
	}
	return rv;
}

/*
 * §5.6 C_Login. With the protected authentication path the PIN is NULL and the daemon takes the
 * digits from its PIN-entry channel; otherwise the caller gives the last 4 digits.
 */
P11_EXPORT CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
			 CK_ULONG ulPinLen)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pPin && ulPinLen != 0)
		return CKR_ARGUMENTS_BAD;
	wbuf w;
	bridge_request(&w, OP_LOGIN);
	wb_u64(&w, hSession);
	wb_u64(&w, userType);
	if (pPin && ulPinLen > MAX_PIN) {
		/* Not a CIE PIN whatever it is: refused before the card sees it. */
		wb_u8(&w, 2);
		wb_bytes(&w, NULL, 0);
	} else {
		wb_u8(&w, pPin ? 1 : 0);
		wb_bytes(&w, pPin, pPin ? ulPinLen : 0);
	}
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	return answer_end(&a, CKR_OK);
}

P11_EXPORT CK_RV C_Logout(CK_SESSION_HANDLE hSession)
{
	return simple_call(OP_LOGOUT, hSession);
}
