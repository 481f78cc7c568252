/*
 * Random call sequences (seeded, replayable): every entry point the token serves, with handles
 * that are valid, stale or made up, NULL pointers, and lengths that are too small, zero, or larger
 * than anything the module may read (it must refuse those before reading). Buffers passed are
 * always at least as long as the length given, unless the length is beyond the module's bounds.
 * Every return value must be one PKCS#11 v2.40 allows for the function; `hostile` runs the same
 * calls against a daemon that answers garbage.
 */
#include "p11-check.h"

#include <stdio.h>
#include <string.h>

static unsigned long long g_state;
/* How deep the sequence went: successful logins, signatures and object reads. */
static unsigned long g_logins, g_signatures, g_reads;

static unsigned long long next(void)
{
	/* xorshift64* */
	g_state ^= g_state >> 12;
	g_state ^= g_state << 25;
	g_state ^= g_state >> 27;
	return g_state * 2685821657736338717ULL;
}

static unsigned long pick(unsigned long n)
{
	return n ? (unsigned long)(next() % n) : 0;
}

#define POOL 8
static CK_SLOT_ID g_slots[POOL];
static CK_SESSION_HANDLE g_sessions[POOL];
static CK_OBJECT_HANDLE g_objects[POOL];

static CK_ULONG any_of(const CK_ULONG *pool)
{
	switch (pick(4)) {
	case 0:
		return (CK_ULONG)next();
	case 1:
		return pick(3);
	default:
		return pool[pick(POOL)];
	}
}

/* A length for a buffer of `size` bytes: within it, or far beyond the module's bounds. */
static CK_ULONG length(CK_ULONG size)
{
	switch (pick(6)) {
	case 0:
		return 0;
	case 1:
		return (CK_ULONG)1 << (30 + pick(3));
	default:
		return pick(size + 1);
	}
}

static void *maybe_null(void *p)
{
	return pick(8) == 0 ? NULL : p;
}

static void remember(CK_ULONG *pool, CK_ULONG v)
{
	pool[pick(POOL)] = v;
}

static void one_call(const char *last4)
{
	static CK_BYTE buf[4096];
	static CK_ATTRIBUTE tpl[4];
	CK_ULONG n = pick(sizeof buf);
	CK_RV rv;
	CK_SLOT_ID slot = any_of(g_slots);
	CK_SESSION_HANDLE h = any_of(g_sessions);
	CK_OBJECT_HANDLE o = any_of(g_objects);
	CK_MECHANISM mech = { pick(2) ? CKM_RSA_PKCS : (CK_MECHANISM_TYPE)next(), maybe_null(buf), pick(3) ? 0 : length(16) };
	for (int i = 0; i < 4; i++) {
		CK_ULONG types[] = { CKA_CLASS, CKA_VALUE, CKA_ID, CKA_LABEL, CKA_PRIVATE_EXPONENT, CKA_MODULUS };
		tpl[i].type = pick(4) ? types[pick(6)] : (CK_ATTRIBUTE_TYPE)next();
		tpl[i].pValue = maybe_null(buf + 64 * i);
		tpl[i].ulValueLen = pick(5) ? pick(64) : length(64);
	}
	switch (pick(24)) {
	case 21: {
		/* A well-formed read between the random calls: the class of an object the preamble found. */
		CK_OBJECT_CLASS cls = 0;
		CK_ATTRIBUTE one = { CKA_CLASS, &cls, sizeof cls };
		rv = P->C_GetAttributeValue(g_sessions[pick(2)], g_objects[pick(2)], &one, 1);
		g_reads += rv == CKR_OK;
		return expect_legal("C_GetAttributeValue", rv);
	}
	case 22:
	case 23: {
		/* A well-formed signature between the random calls: a live, logged-in session first. */
		CK_MECHANISM rsa = { CKM_RSA_PKCS, NULL, 0 };
		CK_ULONG len = sizeof buf;
		CK_UTF8CHAR pin[4];
		memcpy(pin, last4, 4);
		rv = P->C_Login(g_sessions[0], CKU_USER, pin, 4);
		if (rv == CKR_SESSION_HANDLE_INVALID && g_slots[0]) {
			expect_legal("C_OpenSession", P->C_OpenSession(g_slots[0], CKF_SERIAL_SESSION, NULL, NULL, &g_sessions[0]));
			rv = P->C_Login(g_sessions[0], CKU_USER, pin, 4);
		}
		g_logins += rv == CKR_OK;
		expect_legal("C_Login", rv);
		rv = P->C_SignInit(g_sessions[0], &rsa, g_objects[pick(2)]);
		expect_legal("C_SignInit", rv);
		if (rv != CKR_OK)
			return;
		rv = P->C_Sign(g_sessions[0], buf, 51, buf + 1024, &len);
		g_signatures += rv == CKR_OK;
		return expect_legal("C_Sign", rv);
	}
	case 0: {
		CK_SLOT_ID list[POOL];
		CK_ULONG c = pick(POOL + 1);
		rv = P->C_GetSlotList((CK_BBOOL)pick(2), maybe_null(list), maybe_null(&c));
		if (rv == CKR_OK)
			for (CK_ULONG i = 0; i < c && i < POOL; i++)
				remember(g_slots, list[i]);
		return expect_legal("C_GetSlotList", rv);
	}
	case 1: {
		CK_SLOT_INFO si;
		return expect_legal("C_GetSlotInfo", P->C_GetSlotInfo(slot, maybe_null(&si)));
	}
	case 2: {
		CK_TOKEN_INFO ti;
		return expect_legal("C_GetTokenInfo", P->C_GetTokenInfo(slot, maybe_null(&ti)));
	}
	case 3: {
		CK_MECHANISM_TYPE m[2];
		CK_ULONG c = pick(3);
		return expect_legal("C_GetMechanismList", P->C_GetMechanismList(slot, maybe_null(m), maybe_null(&c)));
	}
	case 4: {
		CK_MECHANISM_INFO mi;
		return expect_legal("C_GetMechanismInfo", P->C_GetMechanismInfo(slot, mech.mechanism, maybe_null(&mi)));
	}
	case 5: {
		CK_SESSION_HANDLE nh = 0;
		CK_FLAGS f = pick(4) ? CKF_SERIAL_SESSION : (CK_FLAGS)next();
		rv = P->C_OpenSession(slot, f, NULL, NULL, maybe_null(&nh));
		if (rv == CKR_OK)
			remember(g_sessions, nh);
		return expect_legal("C_OpenSession", rv);
	}
	case 6:
		return expect_legal("C_CloseSession", P->C_CloseSession(h));
	case 7:
		return pick(4) ? (void)0 : expect_legal("C_CloseAllSessions", P->C_CloseAllSessions(slot));
	case 8: {
		CK_SESSION_INFO info;
		return expect_legal("C_GetSessionInfo", P->C_GetSessionInfo(h, maybe_null(&info)));
	}
	case 9: {
		CK_UTF8CHAR pin[8];
		memcpy(pin, last4, 4);
		if (pick(8) == 0)
			pin[pick(4)] ^= 1;
		CK_ULONG len = pick(2) ? 4 : length(8);
		rv = P->C_Login(h, pick(4) ? CKU_USER : pick(5), maybe_null(pin), len);
		g_logins += rv == CKR_OK;
		return expect_legal("C_Login", rv);
	}
	case 10:
		return expect_legal("C_Logout", P->C_Logout(h));
	case 11:
		return expect_legal("C_FindObjectsInit", P->C_FindObjectsInit(h, maybe_null(tpl), pick(5)));
	case 12: {
		CK_OBJECT_HANDLE found[4];
		CK_ULONG c = 0;
		rv = P->C_FindObjects(h, maybe_null(found), pick(5), maybe_null(&c));
		if (rv == CKR_OK)
			for (CK_ULONG i = 0; i < c && i < 4; i++)
				remember(g_objects, found[i]);
		return expect_legal("C_FindObjects", rv);
	}
	case 13:
		return expect_legal("C_FindObjectsFinal", P->C_FindObjectsFinal(h));
	case 14:
		rv = P->C_GetAttributeValue(h, o, maybe_null(tpl), pick(5));
		g_reads += rv == CKR_OK;
		return expect_legal("C_GetAttributeValue", rv);
	case 15:
		return expect_legal("C_SignInit", P->C_SignInit(h, maybe_null(&mech), o));
	case 16: {
		CK_ULONG len = pick(2) ? sizeof buf : pick(300);
		CK_BYTE *out = maybe_null(buf);
		rv = P->C_Sign(h, maybe_null(buf), length(n < 300 ? n : 51), out, maybe_null(&len));
		g_signatures += rv == CKR_OK && out;
		return expect_legal("C_Sign", rv);
	}
	case 17:
		return expect_legal("C_SignUpdate", P->C_SignUpdate(h, maybe_null(buf), length(64)));
	case 18: {
		CK_ULONG len = pick(2) ? sizeof buf : pick(300);
		return expect_legal("C_SignFinal", P->C_SignFinal(h, maybe_null(buf), maybe_null(&len)));
	}
	case 19: {
		CK_INFO info;
		return expect_legal("C_GetInfo", P->C_GetInfo(maybe_null(&info)));
	}
	case 20:
		/* Rarely: the library is finalized and initialized again under the application. */
		if (pick(40) == 0) {
			expect_legal("C_Finalize", P->C_Finalize(NULL));
			expect_legal("C_Initialize", P->C_Initialize(NULL));
		}
		return;
	default: {
		CK_ULONG len = sizeof buf;
		expect_legal("unsupported", P->C_Decrypt(h, buf, 16, buf, &len));
		return expect_legal("unsupported", P->C_DigestInit(h, maybe_null(&mech)));
	}
	}
}

/* A valid start, so that the random calls also reach sessions, logins, keys and signatures. */
static void preamble(const char *last4)
{
	CK_ULONG n = POOL;
	if (P->C_GetSlotList(CK_TRUE, g_slots, &n) != CKR_OK)
		return;
	for (int i = 0; i < 3 && n > 0; i++)
		if (P->C_OpenSession(g_slots[0], CKF_SERIAL_SESSION, NULL, NULL, &g_sessions[i]) != CKR_OK)
			return;
	CK_UTF8CHAR pin[4];
	memcpy(pin, last4, 4);
	if (P->C_Login(g_sessions[0], CKU_USER, pin, 4) == CKR_OK)
		g_logins++;
	CK_ULONG found = 0;
	if (P->C_FindObjectsInit(g_sessions[0], NULL, 0) == CKR_OK) {
		P->C_FindObjects(g_sessions[0], g_objects, POOL, &found);
		P->C_FindObjectsFinal(g_sessions[0]);
	}
}

int run_random(unsigned long seed, unsigned long iterations, const char *last4)
{
	g_state = seed * 0x9E3779B97F4A7C15ULL + 1;
	printf("random: seed %lu, %lu calls\n", seed, iterations);
	expect_legal("C_Initialize", P->C_Initialize(NULL));
	preamble(last4);
	for (unsigned long i = 0; i < iterations; i++)
		one_call(last4);
	expect_legal("C_Finalize", P->C_Finalize(NULL));
	printf("reached: logins=%lu signatures=%lu attribute-reads=%lu\n", g_logins, g_signatures, g_reads);
	return 0;
}

int run_hostile(unsigned long iterations)
{
	g_state = 7;
	printf("hostile: %lu calls\n", iterations);
	expect_legal("C_Initialize", P->C_Initialize(NULL));
	for (unsigned long i = 0; i < iterations; i++)
		one_call("0000");
	expect_legal("C_Finalize", P->C_Finalize(NULL));
	return 0;
}
