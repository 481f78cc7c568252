/*
 * The return values the daemon may give for each operation: those PKCS#11 v2.40 lists for the
 * function (§5.4–5.11; the general ones of §5.1 included). Anything else — a confused or hostile
 * daemon — becomes CKR_DEVICE_ERROR (CKR_FUNCTION_FAILED for C_GetSlotList, which uses no token),
 * so an application never sees a value its function cannot return.
 */
#include "module.h"

#define GENERAL CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_FUNCTION_FAILED, CKR_ARGUMENTS_BAD
#define TOKEN CKR_SLOT_ID_INVALID, CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_DEVICE_REMOVED, \
	      CKR_TOKEN_NOT_PRESENT, CKR_TOKEN_NOT_RECOGNIZED
#define SESSION CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED, CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, \
		CKR_DEVICE_REMOVED

static const CK_RV SLOT_LIST[] = { GENERAL, 0 };
static const CK_RV SLOT_INFO[] = { GENERAL, CKR_SLOT_ID_INVALID, CKR_DEVICE_ERROR, 0 };
static const CK_RV TOKEN_OPS[] = { GENERAL, TOKEN, 0 };
static const CK_RV MECH_INFO[] = { GENERAL, TOKEN, CKR_MECHANISM_INVALID, 0 };
static const CK_RV OPEN[] = { GENERAL, TOKEN, CKR_SESSION_COUNT, CKR_SESSION_PARALLEL_NOT_SUPPORTED,
			      CKR_SESSION_READ_WRITE_SO_EXISTS, CKR_TOKEN_WRITE_PROTECTED, 0 };
static const CK_RV SESSION_OPS[] = { GENERAL, SESSION, 0 };
static const CK_RV LOGIN[] = { GENERAL, SESSION, CKR_FUNCTION_CANCELED, CKR_OPERATION_NOT_INITIALIZED,
			       CKR_PIN_INCORRECT, CKR_PIN_LOCKED, CKR_USER_ALREADY_LOGGED_IN,
			       CKR_USER_PIN_NOT_INITIALIZED, CKR_USER_TYPE_INVALID,
			       CKR_USER_ANOTHER_ALREADY_LOGGED_IN, CKR_USER_TOO_MANY_TYPES, 0 };
static const CK_RV LOGOUT[] = { GENERAL, SESSION, CKR_USER_NOT_LOGGED_IN, 0 };
static const CK_RV FIND_INIT[] = { GENERAL, SESSION, CKR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_VALUE_INVALID,
				   CKR_OPERATION_ACTIVE, 0 };
static const CK_RV FIND[] = { GENERAL, SESSION, CKR_OPERATION_NOT_INITIALIZED, 0 };
static const CK_RV ATTRS[] = { GENERAL, SESSION, CKR_OBJECT_HANDLE_INVALID, 0 };
static const CK_RV SIGN_INIT[] = { GENERAL, SESSION, CKR_KEY_FUNCTION_NOT_PERMITTED, CKR_KEY_HANDLE_INVALID,
				   CKR_KEY_SIZE_RANGE, CKR_KEY_TYPE_INCONSISTENT, CKR_MECHANISM_INVALID,
				   CKR_MECHANISM_PARAM_INVALID, CKR_OPERATION_ACTIVE, CKR_USER_NOT_LOGGED_IN, 0 };
static const CK_RV SIGN[] = { GENERAL, SESSION, CKR_BUFFER_TOO_SMALL, CKR_DATA_INVALID, CKR_DATA_LEN_RANGE,
			      CKR_FUNCTION_CANCELED, CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN,
			      CKR_OPERATION_ACTIVE, 0 };
static const CK_RV SIGN_UPDATE[] = { GENERAL, SESSION, CKR_DATA_LEN_RANGE, CKR_OPERATION_NOT_INITIALIZED,
				     CKR_USER_NOT_LOGGED_IN, 0 };
static const CK_RV SIGN_ABORT[] = { GENERAL, SESSION, CKR_OPERATION_NOT_INITIALIZED, 0 };

static const CK_RV *table(uint8_t op)
{
	switch (op) {
	case OP_SLOT_LIST:
		return SLOT_LIST;
	case OP_SLOT_INFO:
		return SLOT_INFO;
	case OP_TOKEN_INFO:
	case OP_MECH_LIST:
	case OP_CLOSE_ALL:
		return TOKEN_OPS;
	case OP_MECH_INFO:
		return MECH_INFO;
	case OP_OPEN_SESSION:
		return OPEN;
	case OP_CLOSE_SESSION:
	case OP_SESSION_INFO:
		return SESSION_OPS;
	case OP_LOGIN:
		return LOGIN;
	case OP_LOGOUT:
		return LOGOUT;
	case OP_FIND_INIT:
		return FIND_INIT;
	case OP_FIND:
	case OP_FIND_FINAL:
		return FIND;
	case OP_GET_ATTRS:
		return ATTRS;
	case OP_SIGN_INIT:
		return SIGN_INIT;
	case OP_SIGN:
	case OP_SIGN_FINAL:
		return SIGN;
	case OP_SIGN_UPDATE:
		return SIGN_UPDATE;
	case OP_SIGN_ABORT:
		return SIGN_ABORT;
	default:
		return NULL;
	}
}

CK_RV legal_rv(uint8_t op, CK_RV rv)
{
	if (rv == CKR_OK)
		return rv;
	const CK_RV *t = table(op);
	for (; t && *t; t++)
		if (*t == rv)
			return rv;
	bridge_log("daemon answered 0x%lx to operation %u: not a value of that function", (unsigned long)rv, op);
	return op == OP_SLOT_LIST ? CKR_FUNCTION_FAILED : CKR_DEVICE_ERROR;
}
