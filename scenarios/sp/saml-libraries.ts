/**
 * A module as xml-crypto and node-saml themselves load it. npm may give each its own copy of a
 * dependency (xpath, @xmldom/xmldom, xml-crypto), and a change made for their sake (the fast
 * paths beside this file) must reach the copies they use: this returns each distinct instance once.
 */
import { createRequire } from 'node:module';

const fromHere = createRequire(import.meta.url);
const LIBRARIES = ['xml-crypto', '@node-saml/node-saml'] as const;

/** The distinct instances of `specifier` the SAML libraries load, and this project's when `ours`. */
export function samlLibraryInstances<T>(specifier: string, ours = false): T[] {
  const loaders = LIBRARIES.map((pkg) => createRequire(fromHere.resolve(pkg)));
  if (ours) loaders.unshift(fromHere);
  return [...new Set(loaders.map((load) => load(specifier) as T))];
}
