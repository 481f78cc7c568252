/* p11-check: main, return-value bookkeeping, and the table of bad-argument calls. */
#include "p11-check.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

CK_FUNCTION_LIST *P;
int g_failures;

void expect_rv(const char *what, CK_RV rv, CK_RV want)
{
	if (rv == want) {
		printf("ok   %-60s 0x%lx\n", what, (unsigned long)rv);
		return;
	}
	printf("FAIL %-60s got 0x%lx, want 0x%lx\n", what, (unsigned long)rv, (unsigned long)want);
	g_failures++;
}

/* Return values every function may give (§5.1: CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_FUNCTION_FAILED, …). */
static const CK_RV UNIVERSAL[] = { CKR_OK, CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED,
				   CKR_FUNCTION_FAILED, CKR_GENERAL_ERROR, CKR_HOST_MEMORY };
/* Functions that use a token (§5.1.3) or a session (§5.1.2). */
static const CK_RV TOKEN[] = { CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT,
			       CKR_TOKEN_NOT_RECOGNIZED, CKR_SLOT_ID_INVALID };
static const CK_RV SESSION[] = { CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED, CKR_DEVICE_ERROR,
				 CKR_DEVICE_MEMORY, CKR_DEVICE_REMOVED };

struct legal {
	const char *fn;
	int token, session;
	CK_RV extra[12];
};

static const struct legal LEGAL[] = {
	{ "C_GetSlotList", 0, 0, { CKR_BUFFER_TOO_SMALL } },
	{ "C_GetSlotInfo", 1, 0, { 0 } },
	{ "C_GetTokenInfo", 1, 0, { 0 } },
	{ "C_GetMechanismList", 1, 0, { CKR_BUFFER_TOO_SMALL } },
	{ "C_GetMechanismInfo", 1, 0, { CKR_MECHANISM_INVALID } },
	{ "C_OpenSession", 1, 0, { CKR_SESSION_COUNT, CKR_SESSION_PARALLEL_NOT_SUPPORTED, CKR_TOKEN_WRITE_PROTECTED,
				   CKR_SESSION_READ_WRITE_SO_EXISTS } },
	{ "C_CloseSession", 0, 1, { 0 } },
	{ "C_CloseAllSessions", 1, 0, { 0 } },
	{ "C_GetSessionInfo", 0, 1, { 0 } },
	{ "C_Login", 0, 1, { CKR_FUNCTION_CANCELED, CKR_OPERATION_NOT_INITIALIZED, CKR_PIN_INCORRECT, CKR_PIN_LOCKED,
			     CKR_USER_ALREADY_LOGGED_IN, CKR_USER_PIN_NOT_INITIALIZED, CKR_USER_TYPE_INVALID,
			     CKR_USER_ANOTHER_ALREADY_LOGGED_IN, CKR_USER_TOO_MANY_TYPES } },
	{ "C_Logout", 0, 1, { CKR_USER_NOT_LOGGED_IN } },
	{ "C_FindObjectsInit", 0, 1, { CKR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_VALUE_INVALID, CKR_OPERATION_ACTIVE } },
	{ "C_FindObjects", 0, 1, { CKR_OPERATION_NOT_INITIALIZED } },
	{ "C_FindObjectsFinal", 0, 1, { CKR_OPERATION_NOT_INITIALIZED } },
	{ "C_GetAttributeValue", 0, 1, { CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID, CKR_BUFFER_TOO_SMALL,
					 CKR_OBJECT_HANDLE_INVALID } },
	{ "C_SignInit", 0, 1, { CKR_KEY_FUNCTION_NOT_PERMITTED, CKR_KEY_HANDLE_INVALID, CKR_KEY_SIZE_RANGE,
				CKR_KEY_TYPE_INCONSISTENT, CKR_MECHANISM_INVALID, CKR_MECHANISM_PARAM_INVALID,
				CKR_OPERATION_ACTIVE, CKR_PIN_EXPIRED, CKR_USER_NOT_LOGGED_IN } },
	{ "C_Sign", 0, 1, { CKR_BUFFER_TOO_SMALL, CKR_DATA_INVALID, CKR_DATA_LEN_RANGE, CKR_FUNCTION_CANCELED,
			    CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN, CKR_OPERATION_ACTIVE,
			    CKR_FUNCTION_REJECTED } },
	{ "C_SignUpdate", 0, 1, { CKR_DATA_LEN_RANGE, CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN } },
	{ "C_SignFinal", 0, 1, { CKR_BUFFER_TOO_SMALL, CKR_DATA_LEN_RANGE, CKR_DATA_INVALID, CKR_FUNCTION_CANCELED,
				 CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN, CKR_FUNCTION_REJECTED } },
	{ "C_Initialize", 0, 0, { CKR_CANT_LOCK, CKR_CRYPTOKI_ALREADY_INITIALIZED, CKR_NEED_TO_CREATE_THREADS } },
	{ "C_Finalize", 0, 0, { 0 } },
	{ "C_GetInfo", 0, 0, { 0 } },
	{ "unsupported", 0, 0, { CKR_FUNCTION_NOT_SUPPORTED, CKR_FUNCTION_NOT_PARALLEL } },
};

static int in(CK_RV rv, const CK_RV *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == rv)
			return 1;
	return 0;
}

void expect_legal(const char *fn, CK_RV rv)
{
	if (getenv("P11_CHECK_TRACE"))
		printf("trace %s 0x%lx\n", fn, (unsigned long)rv);
	for (size_t i = 0; i < sizeof LEGAL / sizeof LEGAL[0]; i++) {
		const struct legal *l = &LEGAL[i];
		if (strcmp(l->fn, fn) != 0)
			continue;
		int ok = in(rv, UNIVERSAL, sizeof UNIVERSAL / sizeof UNIVERSAL[0]) ||
			 (l->token && in(rv, TOKEN, sizeof TOKEN / sizeof TOKEN[0])) ||
			 (l->session && in(rv, SESSION, sizeof SESSION / sizeof SESSION[0]));
		for (size_t j = 0; !ok && j < 12 && l->extra[j]; j++)
			ok = rv == l->extra[j];
		if (!ok) {
			printf("FAIL %s returned 0x%lx, which PKCS#11 v2.40 does not allow there\n", fn, (unsigned long)rv);
			g_failures++;
		}
		return;
	}
	printf("FAIL no return-value table for %s\n", fn);
	g_failures++;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: p11-check MODULE bad-args LAST4 | random SEED N LAST4 | hostile N | absent | sign N LAST4\n");
		return 2;
	}
	void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 2;
	}
	CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
	if (!get || get(&P) != CKR_OK || !P) {
		fprintf(stderr, "no C_GetFunctionList\n");
		return 2;
	}
	int rc = 2;
	if (strcmp(argv[2], "bad-args") == 0 && argc == 4)
		rc = run_bad_args(argv[3]);
	else if (strcmp(argv[2], "random") == 0 && argc == 6)
		rc = run_random(strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10), argv[5]);
	else if (strcmp(argv[2], "absent") == 0 && argc == 3)
		rc = run_absent();
	else if (strcmp(argv[2], "hostile") == 0 && argc == 4)
		rc = run_hostile(strtoul(argv[3], NULL, 10));
	else if (strcmp(argv[2], "sign") == 0 && argc == 5)
		return run_sign_timing(strtoul(argv[3], NULL, 10), argv[4]);
	printf("%d failure(s)\n", g_failures);
	return rc != 0 ? rc : g_failures ? 1 : 0;
}
