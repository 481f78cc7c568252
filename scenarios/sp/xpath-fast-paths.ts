/**
 * Direct DOM walks for the XPath expressions xml-crypto and node-saml evaluate on every signature.
 *
 * Why: xml-crypto (6.x) finds the element a Reference points to with
 * `//*[@*[local-name(.)='ID']='<uri>']`, once per name in its ID-attribute list (four names, `ID`
 * twice when node-saml passes `idAttribute: 'ID'`), and again when it computes the element's
 * ancestor namespaces; it and node-saml find signatures, transforms and assertions with
 * `./*[local-name(.)='Signature' and namespace-uri(.)='…']` and the like. The `xpath` package they
 * use (0.0.33 and 0.0.34) parses the expression again on each call and allocates a context per
 * node and attribute: these look-ups were about a seventh of the CPU of a whole browserless login
 * (the SP checking the IdP's Response, the IdP signing it).
 *
 * What: `selectWithResolver` (which `select` and `select1` call) of the `xpath` instances those two
 * libraries load answers a small set of shapes by walking the DOM: `/`, `//`, `./` or `.//`, then
 * element steps `*` or `*[p]` on the child axis, where `p` is `local-name(.)='N'` (optionally
 * `and namespace-uri(.)='U'`) or `@*[local-name(.)='N']='V'`, no element step after a descendant
 * first step; then optionally the matched elements' attribute `@N` or their `text()` children. The rules are that xpath version's own, not the XPath spec's where they differ: a
 * `/`-rooted path starts at the context node if it is a document, else at its `ownerDocument` (else
 * its topmost ancestor); `@*` is every entry of `attributes`, namespace declarations included;
 * `local-name()` is `localName || baseName || target || nodeName`; an attribute's value is its
 * `nodeValue`; `namespace-uri()` is `namespaceURI || ''` in 0.0.34 but `String(namespaceURI)` in
 * 0.0.33 ('undefined' or 'null' for an element in no namespace: {@link XpathRules}, found by asking
 * each instance once); `text()` is text and CDATA nodes. Also
 * the predicate `@N="V"` (node-saml's count of the elements a reference ID names) and `.//comment()`.
 * `@N` is a name test: only attributes in no namespace, compared case-insensitively when xpath
 * takes the document for HTML — @xmldom/xmldom's `hasFeature` says yes to everything. Where the
 * order of the answer would need xpath's sorting (text children of nested matches, two attributes
 * of one element matching `@N`) the original answers. Any other expression or context goes to the
 * original too.
 * `xpath-fast-paths.test.ts` checks the answers against the original on generated documents,
 * signature-wrapping shapes included.
 *
 * The checks stay the libraries' own: only how the nodes are found changes, not which.
 */
import { samlLibraryInstances } from './saml-libraries.ts';
import { DOMParser } from '@xmldom/xmldom';

interface DomNode {
  readonly nodeType: number;
  readonly parentNode?: DomNode | null;
  readonly ownerDocument?: DomNode | null;
  readonly firstChild?: DomNode | null;
  readonly nextSibling?: DomNode | null;
  readonly attributes?: { readonly length: number; item(i: number): DomNode | null } | null;
  readonly localName?: string | null;
  readonly baseName?: string;
  readonly target?: string;
  readonly nodeName?: string;
  readonly nodeValue?: string | null;
  readonly namespaceURI?: string | null;
}

type SelectWithResolver = (
  expr: unknown,
  node: unknown,
  resolver: unknown,
  single?: boolean,
) => unknown;
export interface XpathModule {
  selectWithResolver: SelectWithResolver;
}

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
const COMMENT = 8;
const DOCUMENT = 9;

/** Where the `xpath` versions differ in what the fast paths answer. */
export interface XpathRules {
  /** `namespace-uri()` is `String(namespaceURI)` (0.0.33), not `namespaceURI || ''` (0.0.34). */
  readonly rawNamespaceUri: boolean;
}

export const XPATH_0_0_34: XpathRules = { rawNamespaceUri: false };

/**
 * The rules of one `xpath` instance, asked of it (before the fast paths are installed on it):
 * `namespace-uri()` of an element in no namespace.
 */
export function xpathRules(xpath: XpathModule): XpathRules {
  const doc = new DOMParser().parseFromString('<a/>', 'text/xml');
  const uri = xpath.selectWithResolver('namespace-uri(/*)', doc, null, false);
  return { rawNamespaceUri: uri !== '' };
}

/** A predicate of an element step; undefined: none. */
type Predicate = (e: DomNode) => boolean;

/** `local-name(.)='X'` (also `local-name()`), optionally `and namespace-uri(.)='NS'`. */
const NAME_PREDICATE = /^local-name\(\.?\)='([^']*)'(?: and namespace-uri\(\.?\)='([^']*)')?$/;
/** `@*[local-name(.)='NAME']='VALUE'`: an attribute NAME (any namespace) whose value is VALUE. */
const ATTRIBUTE_PREDICATE = /^@\*\[local-name\(\.\)='([^']*)'\]='([^']*)'$/;
/**
 * `@N="V"` or `@N='V'`: an attribute named N in no namespace whose value is V. A name test, so
 * compared case-insensitively when xpath takes the document for HTML ({@link caseInsensitive}).
 */
const NAMED_ATTRIBUTE_PREDICATE = /^@([A-Za-z_][\w.-]*)=(?:"([^"]*)"|'([^']*)')$/;
/** One element step: `*`, optionally with one predicate (no nested brackets except `@*[...]`). */
const STEP = /^\*(?:\[((?:[^[\]]|\[[^[\]]*\])*)\])?$/;

function predicate(text: string, ci: boolean, rules: XpathRules): Predicate | undefined {
  const n = NAME_PREDICATE.exec(text);
  if (n) {
    const [, name = '', ns] = n;
    const uri = rules.rawNamespaceUri
      ? (e: DomNode): string => String(e.namespaceURI)
      : (e: DomNode): string => e.namespaceURI || '';
    return (e) => localName(e) === name && (ns === undefined || uri(e) === ns);
  }
  const a = ATTRIBUTE_PREDICATE.exec(text);
  if (a) {
    const [, name = '', value = ''] = a;
    return (e) => hasAttribute(e, name, value);
  }
  const q = NAMED_ATTRIBUTE_PREDICATE.exec(text);
  if (q) {
    const [, name = '', dq, sq] = q;
    const value = dq ?? sq ?? '';
    const want = ci ? name.toLowerCase() : name;
    return (e) => hasNamedAttribute(e, want, value, ci);
  }
  return undefined;
}

/**
 * xpath's `NameTestQName` with no prefix on an attribute: no namespace, and `localName ||
 * nodeName` equal to `name` (given lower-cased when `ci`), compared case-insensitively when `ci`.
 */
function nameTestMatches(a: DomNode, name: string, ci: boolean): boolean {
  if (a.namespaceURI) return false;
  const n = a.localName || a.nodeName || '';
  return (ci ? n.toLowerCase() : n) === name;
}

/** `@N="V"`: an attribute passing the name test whose value is V. */
function hasNamedAttribute(e: DomNode, name: string, value: string, ci: boolean): boolean {
  const attrs = e.attributes;
  if (!attrs) return false;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i);
    if (a && nameTestMatches(a, name, ci) && (a.nodeValue ?? '') === value) return true;
  }
  return false;
}

/**
 * xpath's `XPathExpression.detectHtmlDom`: name tests are case-insensitive when the document's
 * `implementation.hasFeature('HTML', '2.0')` says yes (@xmldom/xmldom always does) or throws.
 */
function caseInsensitive(n: DomNode): boolean {
  const doc = (n.nodeType === DOCUMENT ? n : n.ownerDocument) as
    { implementation?: { hasFeature(f: string, v: string): boolean } } | null | undefined;
  try {
    // As xpath does: no document (or no implementation) throws, and counts as HTML.
    return Boolean(doc!.implementation!.hasFeature('HTML', '2.0'));
  } catch {
    return true;
  }
}

interface FastPath {
  /** `//` and `/` start at the root of the context node's document, `./` and `.//` at it. */
  readonly fromRoot: boolean;
  /** The first step is on the descendant axis (`//`, `.//`); the others are on the child axis. */
  readonly deepFirst: boolean;
  readonly steps: readonly (Predicate | undefined)[];
  /** A last step to the matched elements' attributes `@N` or text children `text()`. */
  readonly last?: { readonly kind: 'attribute'; readonly name: string } | { readonly kind: 'text' };
}

const parsed = new Map<string, FastPath | null>();

/**
 * The shapes answered here: `/`, `//`, `./` or `.//`, then element steps `*` or `*[predicate]`
 * separated by `/`, after a descendant first step no more element steps (nested matches would
 * need sorting into document order); then optionally `@N` or `text()`. Anything else is null (left
 * to xpath).
 */
function parsePath(expr: string, ci: boolean, rules: XpathRules): FastPath | null {
  const key = `${ci ? 'i' : 's'}${rules.rawNamespaceUri ? 'r' : 'e'}|${expr}`;
  const known = parsed.get(key);
  if (known !== undefined) return known;
  const start = /^(\.?)(\/\/?)(.*)$/.exec(expr);
  let path: FastPath | null = null;
  // Literals holding brackets or double quotes would need a real tokenizer: left to xpath.
  const awkwardLiteral = [...expr.matchAll(/'([^']*)'/g)].some((m) => /[[\]"]/.test(m[1] ?? ''));
  if (start && !awkwardLiteral) {
    const [, dot = '', slashes = '', rest = ''] = start;
    const parts = splitSteps(rest);
    const tail = parts && parts.length > 1 ? parts[parts.length - 1] : undefined;
    const attribute = tail ? /^@([A-Za-z_][\w.-]*)$/.exec(tail) : null;
    const last: FastPath['last'] = attribute
      ? { kind: 'attribute', name: ci ? (attribute[1] ?? '').toLowerCase() : (attribute[1] ?? '') }
      : tail === 'text()'
        ? { kind: 'text' }
        : undefined;
    const steps = (last ? parts?.slice(0, -1) : parts)?.map((p) => {
      const m = STEP.exec(p);
      if (!m) return null;
      return m[1] === undefined ? undefined : (predicate(m[1], ci, rules) ?? null);
    });
    const deepFirst = slashes === '//';
    if (steps && steps.length > 0 && !steps.includes(null) && !(deepFirst && steps.length > 1))
      path = {
        fromRoot: dot === '',
        deepFirst,
        steps: steps as (Predicate | undefined)[],
        ...(last ? { last } : {}),
      };
  }
  // A few dozen distinct expressions per process; IDs make the reference look-ups distinct, so
  // the memo is bounded.
  if (parsed.size >= 256) parsed.clear();
  parsed.set(key, path);
  return path;
}

/**
 * Splits `a/b[x/y]/c` at the slashes outside brackets and literals; undefined on `//` inside the
 * path.
 */
function splitSteps(rest: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const ch of rest) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '[') depth++;
    if (!quoted && ch === ']') depth--;
    if (ch === '/' && depth === 0 && !quoted) {
      if (cur === '') return undefined;
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const localName = (n: DomNode): string => n.localName || n.baseName || n.target || n.nodeName || '';

function isDomNode(v: unknown): v is DomNode {
  return typeof v === 'object' && v !== null && typeof (v as DomNode).nodeType === 'number';
}

/** The root a `//` path starts from (xpath 0.0.33's `PathExpr.getRoot`). */
function rootOf(n: DomNode): DomNode {
  if (n.nodeType === DOCUMENT) return n;
  if (n.ownerDocument) return n.ownerDocument;
  let r = n;
  while (r.parentNode) r = r.parentNode;
  return r;
}

/**
 * Element descendants of `from` (not `from` itself; only its children when `deep` is false), in
 * document order, that `keep` accepts.
 */
function elementsUnder(from: DomNode, deep: boolean, keep: (e: DomNode) => boolean): DomNode[] {
  const out: DomNode[] = [];
  const walk = (n: DomNode): void => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.nodeType !== ELEMENT) continue;
      if (keep(c)) out.push(c);
      if (deep) walk(c);
    }
  };
  walk(from);
  return out;
}

function hasAttribute(e: DomNode, name: string, value: string): boolean {
  const attrs = e.attributes;
  if (!attrs) return false;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs.item(i);
    if (a && localName(a) === name && (a.nodeValue ?? '') === value) return true;
  }
  return false;
}

/** Comment nodes below `from`, in document order (xml-crypto strips them before c14n). */
function commentsUnder(from: DomNode): DomNode[] {
  const out: DomNode[] = [];
  const walk = (n: DomNode): void => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === COMMENT) out.push(c);
      walk(c);
    }
  };
  walk(from);
  return out;
}

/** The fast answer, or `undefined` when the expression or context is not one of ours. */
export function fastSelect(
  expr: unknown,
  node: unknown,
  rules: XpathRules = XPATH_0_0_34,
): DomNode[] | undefined {
  if (typeof expr !== 'string' || !isDomNode(node)) return undefined;
  if (node.nodeType !== ELEMENT && node.nodeType !== DOCUMENT) return undefined;
  if (expr === './/comment()') return commentsUnder(node);
  const ci = caseInsensitive(node);
  const path = parsePath(expr, ci, rules);
  if (!path) return undefined;
  let context = [path.fromRoot ? rootOf(node) : node];
  path.steps.forEach((keep, i) => {
    const next: DomNode[] = [];
    const deep = i === 0 && path.deepFirst;
    // Child steps from nodes none of which contains another stay in document order.
    for (const c of context) next.push(...elementsUnder(c, deep, keep ?? (() => true)));
    context = next;
  });
  return path.last ? lastStep(context, path.last, ci) : context;
}

/**
 * `@N` or `text()` of `elements` (in document order, none containing another unless the path
 * began with a descendant step), or undefined where the order would need xpath's sorting: text
 * children of nested matches, or two attributes of one element both named N in another case.
 */
function lastStep(
  elements: readonly DomNode[],
  last: NonNullable<FastPath['last']>,
  ci: boolean,
): DomNode[] | undefined {
  const out: DomNode[] = [];
  if (last.kind === 'text') {
    const matched = new Set(elements);
    for (const e of elements) {
      for (let a = e.parentNode; a; a = a.parentNode) if (matched.has(a)) return undefined;
      for (let c = e.firstChild; c; c = c.nextSibling)
        if (c.nodeType === TEXT || c.nodeType === CDATA) out.push(c);
    }
    return out;
  }
  for (const e of elements) {
    const attrs = e.attributes;
    if (!attrs) continue;
    let found = 0;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs.item(i);
      if (!a || !nameTestMatches(a, last.name, ci)) continue;
      out.push(a);
      if (++found > 1) return undefined;
    }
  }
  return out;
}

const installed = new WeakSet<XpathModule>();

/** The `xpath` module instances xml-crypto and node-saml themselves load (one or two). */
export function samlXpaths(): XpathModule[] {
  return samlLibraryInstances<XpathModule>('xpath');
}

/** Installs the fast paths on every instance of {@link samlXpaths}. */
export function installXpathFastPaths(): void {
  for (const x of samlXpaths()) installOn(x);
}

/** Installs the fast paths on one `xpath` module (once; later calls do nothing). */
export function installOn(xpath: XpathModule): void {
  if (installed.has(xpath)) return;
  installed.add(xpath);
  // `select` and `select1` call `selectWithResolver` through the module object, as does
  // xml-crypto's `findAncestorNs`. The expressions answered here have no prefixed names, so the
  // resolver cannot change their result.
  const original = xpath.selectWithResolver.bind(xpath);
  const rules = xpathRules(xpath);
  xpath.selectWithResolver = (expr, node, resolver, single) => {
    const nodes = fastSelect(expr, node, rules);
    if (nodes === undefined) return original(expr, node, resolver, single);
    return single ? nodes[0] : nodes;
  };
}
