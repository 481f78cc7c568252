/**
 * Runs {@link login2} in a process of its own and prints its result as JSON: OpenSSL's PKCS#11
 * engine signs synchronously, so the daemon answering the module cannot share the caller's event
 * loop (tests keep their daemon in-process). Options as JSON in argv[2]; the engine's environment
 * (OPENSSL_ENGINES, PKCS11_MODULE_PATH, CIEBENCH_PKCS11_SOCKET) comes from the parent.
 */
import { login2, type Login2Options } from '../login2.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as Login2Options;
const started = performance.now();
const result = await login2(options);
process.stdout.write(`${JSON.stringify({ ...result, ms: performance.now() - started })}\n`);
