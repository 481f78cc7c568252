/*
 * libciebench-pkcs11.so — objects and signatures (PKCS#11 v2.40 §5.7, §5.8, §5.11). Attribute
 * values travel in the caller's native layout (the daemon learnt CK_ULONG's size and byte order
 * in HELLO), so the module copies bytes and applies the buffer rules of C_GetAttributeValue.
 */
#include "module.h"

#include <stdlib.h>
#include <string.h>

/* Per-attribute answer kinds of OP_GET_ATTRS (BRIDGE-PROTOCOL.md §3). */
enum { ATTR_VALUE = 0, ATTR_SENSITIVE = 1, ATTR_INVALID = 2 };

P11_EXPORT CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
				     CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if ((!pTemplate && ulCount > 0) || ulCount > MAX_TEMPLATE)
		return CKR_ARGUMENTS_BAD;
	wbuf w;
	bridge_request(&w, OP_GET_ATTRS);
	wb_u64(&w, hSession);
	wb_u64(&w, hObject);
	wb_u32(&w, (uint32_t)ulCount);
	for (CK_ULONG i = 0; i < ulCount; i++)
		wb_u64(&w, pTemplate[i].type);
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	uint32_t n = rb_u32(&a.r);
	if (a.r.failed || n != ulCount)
		return answer_fail(&a);
	/* Read everything first: a malformed answer must not leave the template half written. */
	const unsigned char **values = calloc(ulCount ? ulCount : 1, sizeof *values);
	size_t *lens = calloc(ulCount ? ulCount : 1, sizeof *lens);
	uint8_t *kinds = calloc(ulCount ? ulCount : 1, 1);
	if (!values || !lens || !kinds) {
		free(values);
		free(lens);
		free(kinds);
		free(a.mem);
		return CKR_HOST_MEMORY;
	}
	for (CK_ULONG i = 0; i < ulCount; i++) {
		kinds[i] = rb_u8(&a.r);
		values[i] = rb_bytes(&a.r, MAX_ATTR_VALUE, &lens[i]);
		if (kinds[i] > ATTR_INVALID)
			a.r.failed = 1;
	}
	rv = rb_done(&a.r) ? CKR_OK : CKR_DEVICE_ERROR;
	CK_RV sensitive = CKR_OK, invalid = CKR_OK, small = CKR_OK;
	for (CK_ULONG i = 0; rv == CKR_OK && i < ulCount; i++) {
		CK_ATTRIBUTE *t = &pTemplate[i];
		if (kinds[i] == ATTR_SENSITIVE) {
			t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
			sensitive = CKR_ATTRIBUTE_SENSITIVE;
		} else if (kinds[i] == ATTR_INVALID) {
			t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
			invalid = CKR_ATTRIBUTE_TYPE_INVALID;
		} else if (!t->pValue) {
			t->ulValueLen = (CK_ULONG)lens[i];
		} else if (t->ulValueLen >= lens[i]) {
			if (lens[i])
				memcpy(t->pValue, values[i], lens[i]);
			t->ulValueLen = (CK_ULONG)lens[i];
		} else {
			t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
			small = CKR_BUFFER_TOO_SMALL;
		}
	}
	free(values);
	free(lens);
	free(kinds);
	free(a.mem);
	if (rv != CKR_OK)
		return rv;
	/* §5.7: any of the three may be returned when several apply; the first found is kept. */
	return sensitive != CKR_OK ? sensitive : invalid != CKR_OK ? invalid : small;
}

P11_EXPORT CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
				   CK_ULONG ulCount)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if ((!pTemplate && ulCount > 0) || ulCount > MAX_TEMPLATE)
		return CKR_ARGUMENTS_BAD;
	for (CK_ULONG i = 0; i < ulCount; i++) {
		if ((!pTemplate[i].pValue && pTemplate[i].ulValueLen > 0) ||
		    pTemplate[i].ulValueLen > MAX_ATTR_VALUE)
			return CKR_ARGUMENTS_BAD;
	}
	wbuf w;
	bridge_request(&w, OP_FIND_INIT);
	wb_u64(&w, hSession);
	wb_u32(&w, (uint32_t)ulCount);
	for (CK_ULONG i = 0; i < ulCount; i++) {
		wb_u64(&w, pTemplate[i].type);
		wb_bytes(&w, pTemplate[i].pValue, pTemplate[i].ulValueLen);
	}
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	return answer_end(&a, CKR_OK);
}

P11_EXPORT CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
			       CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pulObjectCount || (!phObject && ulMaxObjectCount > 0))
		return CKR_ARGUMENTS_BAD;
	CK_ULONG max = ulMaxObjectCount > MAX_LIST ? MAX_LIST : ulMaxObjectCount;
	wbuf w;
	bridge_request(&w, OP_FIND);
	wb_u64(&w, hSession);
	wb_u64(&w, max);
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	uint32_t n = rb_u32(&a.r);
	if (a.r.failed || n > max)
		return answer_fail(&a);
	CK_OBJECT_HANDLE found[MAX_LIST];
	for (uint32_t i = 0; i < n; i++)
		found[i] = (CK_OBJECT_HANDLE)rb_u64(&a.r);
	rv = answer_end(&a, CKR_OK);
	if (rv == CKR_OK) {
		for (uint32_t i = 0; i < n; i++)
			phObject[i] = found[i];
		*pulObjectCount = n;
	}
	return rv;
}

P11_EXPORT CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	wbuf w;
	bridge_request(&w, OP_FIND_FINAL);
	wb_u64(&w, hSession);
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	return answer_end(&a, CKR_OK);
}

P11_EXPORT CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			    CK_OBJECT_HANDLE hKey)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pMechanism || (!pMechanism->pParameter && pMechanism->ulParameterLen > 0))
		return CKR_ARGUMENTS_BAD;
	if (pMechanism->ulParameterLen > MAX_MECH_PARAM)
		return CKR_MECHANISM_PARAM_INVALID;
	wbuf w;
	bridge_request(&w, OP_SIGN_INIT);
	wb_u64(&w, hSession);
	wb_u64(&w, pMechanism->mechanism);
	wb_u8(&w, pMechanism->pParameter ? 1 : 0);
	wb_bytes(&w, pMechanism->pParameter, pMechanism->ulParameterLen);
	wb_u64(&w, hKey);
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	return answer_end(&a, CKR_OK);
}

/*
 * A failure found by the module still ends the active signing operation (§5.11: every C_Sign /
 * C_SignUpdate / C_SignFinal error but CKR_BUFFER_TOO_SMALL does): the daemon is told, and its
 * own refusal (no such session, no operation) wins over the module's.
 */
static CK_RV abort_sign(CK_SESSION_HANDLE hSession, CK_RV local)
{
	wbuf w;
	bridge_request(&w, OP_SIGN_ABORT);
	wb_u64(&w, hSession);
	answer a;
	CK_RV rv = module_call(&w, &a, NULL);
	free(a.mem);
	return rv == CKR_OK ? local : rv;
}

/*
 * The answer of OP_SIGN / OP_SIGN_FINAL: signature length, then the signature when one was made.
 * `want` = the caller gave a buffer of `*len` bytes.
 */
static CK_RV signature_answer(answer *a, CK_RV rv, CK_BYTE_PTR out, CK_ULONG_PTR len)
{
	if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL) {
		free(a->mem);
		return rv;
	}
	uint64_t sig_len = rb_u64(&a->r);
	size_t n = 0;
	const unsigned char *sig = rb_bytes(&a->r, MAX_DATA, &n);
	if (!rb_done(&a->r) || sig_len > MAX_DATA)
		return answer_fail(a);
	if (rv == CKR_OK && out) {
		/* A signature is only accepted whole and only into the buffer the caller sized. */
		if (n != sig_len || n > *len)
			return answer_fail(a);
		if (n)
			memcpy(out, sig, n);
	}
	*len = (CK_ULONG)sig_len;
	return answer_end(a, rv);
}

P11_EXPORT CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
			CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pulSignatureLen || (!pData && ulDataLen > 0))
		return abort_sign(hSession, CKR_ARGUMENTS_BAD);
	if (ulDataLen > MAX_DATA)
		return abort_sign(hSession, CKR_DATA_LEN_RANGE);
	wbuf w;
	bridge_request(&w, OP_SIGN);
	wb_u64(&w, hSession);
	wb_bytes(&w, pData, ulDataLen);
	wb_u8(&w, pSignature ? 1 : 0);
	wb_u64(&w, pSignature ? *pulSignatureLen : 0);
	answer a;
	rv = module_call(&w, &a, NULL);
	return signature_answer(&a, rv, pSignature, pulSignatureLen);
}

P11_EXPORT CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pPart && ulPartLen > 0)
		return abort_sign(hSession, CKR_ARGUMENTS_BAD);
	if (ulPartLen > MAX_DATA)
		return abort_sign(hSession, CKR_DATA_LEN_RANGE);
	wbuf w;
	bridge_request(&w, OP_SIGN_UPDATE);
	wb_u64(&w, hSession);
	wb_bytes(&w, pPart, ulPartLen);
	answer a;
	rv = module_call(&w, &a, NULL);
	if (rv != CKR_OK) {
		free(a.mem);
		return rv;
	}
	return answer_end(&a, CKR_OK);
}

P11_EXPORT CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
			     CK_ULONG_PTR pulSignatureLen)
{
	CK_RV rv = module_check();
	if (rv != CKR_OK)
		return rv;
	if (!pulSignatureLen)
		return abort_sign(hSession, CKR_ARGUMENTS_BAD);
	wbuf w;
	bridge_request(&w, OP_SIGN_FINAL);
	wb_u64(&w, hSession);
	wb_u8(&w, pSignature ? 1 : 0);
	wb_u64(&w, pSignature ? *pulSignatureLen : 0);
	answer a;
	rv = module_call(&w, &a, NULL);
	return signature_answer(&a, rv, pSignature, pulSignatureLen);
}
