/*
 * Shared by the entry-point files of libciebench-pkcs11.so: the module lock, the initialised
 * state, and the call helper that sends one bridge request and hands back the answer.
 */
#ifndef CIEBENCH_MODULE_H
#define CIEBENCH_MODULE_H

#include <p11-kit/pkcs11.h>

#include "bridge.h"
#include "wire.h"

#define P11_EXPORT __attribute__((visibility("default")))

/* Bounds the module applies before anything reaches the daemon (README.md, "Limits"). */
#define MAX_LIST 1024u
#define MAX_TEMPLATE 256u
#define MAX_ATTR_VALUE 65536u
#define MAX_DATA 65536u
#define MAX_PIN 64u
#define MAX_MECH_PARAM 1024u

/* An answer from the daemon, read after its return value. */
typedef struct {
	CK_RV rv;
	unsigned char *mem;
	rbuf r;
} answer;

/* CKR_CRYPTOKI_NOT_INITIALIZED unless C_Initialize ran in this process. */
CK_RV module_check(void);

/*
 * Sends `w` (freed here) and fills `a`. A daemon that is absent or fails the exchange gives
 * CKR_DEVICE_ERROR (`absent` tells the two apart for callers that treat absence differently).
 */
CK_RV module_call(wbuf *w, answer *a, int *absent);

/* Frees an answer; returns CKR_DEVICE_ERROR when it was malformed (not fully consumed). */
CK_RV answer_end(answer *a, CK_RV rv);

/* The daemon's return value if the function may return it, else CKR_DEVICE_ERROR (src/legal.c). */
CK_RV legal_rv(uint8_t op, CK_RV rv);

/* Frees a malformed answer: CKR_DEVICE_ERROR. */
CK_RV answer_fail(answer *a);

/* Copies `n` bytes of daemon text into a blank-padded PKCS#11 field of `size` bytes. */
void fill_text(unsigned char *dst, size_t size, const unsigned char *src, size_t n);

#endif
