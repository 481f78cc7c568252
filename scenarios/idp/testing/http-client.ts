/** The HTTPS client moved to `../client/https-client.ts` (the CLI uses it); tests may keep this path. */
export * from '../client/https-client.ts';
