/*
 * p11-check: drives a PKCS#11 module (dlopen) with bad arguments, random call sequences and a
 * hostile daemon, and checks every return value against what PKCS#11 v2.40 allows for the
 * function (README.md, "Tests"). A crash of the module is a crash of this process: the test that
 * runs it sees the signal.
 */
#ifndef P11_CHECK_H
#define P11_CHECK_H

#include <p11-kit/pkcs11.h>

extern CK_FUNCTION_LIST *P;
extern int g_failures;

/* Records a mismatch (printed) when `rv` is not `want`. */
void expect_rv(const char *what, CK_RV rv, CK_RV want);
/* Records a failure when `rv` is not among the allowed values of function `fn`. */
void expect_legal(const char *fn, CK_RV rv);

int run_bad_args(const char *last4);
int run_random(unsigned long seed, unsigned long iterations, const char *last4);
int run_hostile(unsigned long iterations);
int run_absent(void);
/* Timing for `npm run bench` (tools/timing.c). */
int run_sign_timing(unsigned long n, const char *last4);

#endif
