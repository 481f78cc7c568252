/**
 * The DOM-walk answers of xpath-fast-paths.ts are the `xpath` package's own: same nodes, same
 * order, same objects, for both instances xml-crypto (0.0.33) and node-saml (0.0.34) load — checked
 * differentially on seeded random documents (namespaces, default namespaces, colliding ID-like
 * attributes, namespace declarations named like them, duplicate IDs, text, comments, CDATA) from
 * several kinds of context node (document, document element, any element, a detached clone, an
 * element of a `createDocument` document), element paths alone and followed by `@N` or `text()`.
 * Shapes it does not claim stay with xpath. xml-crypto
 * then gives the same verdicts with the fast paths installed as without, on a real signed SAML
 * Response and on signature-wrapping variants of it.
 *
 * The two versions differ in `namespace-uri()` of an element in no namespace: 0.0.33 says
 * `String(namespaceURI)` ('undefined' for xmldom's parse, 'null' for createElement), 0.0.34 says
 * ''. The fast path asks each instance which (`xpathRules`); the properties below compare both
 * versions on '', 'null' and 'undefined' too.
 *
 * This file must not import `cie-saml.ts` (which installs the fast paths at load): the original
 * `selectWithResolver` of each instance is captured below before anything installs them.
 */
import { createRequire } from 'node:module';
import { DOMImplementation, DOMParser } from '@xmldom/xmldom';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { signRootElement } from '../idp/saml/sign.ts';
import { leafXml, parseGenerated, type XmlLeaf } from './testing/generated-xml.ts';
import { testSp } from '../idp/testing/test-sp.ts';
import {
  fastSelect,
  installOn,
  samlXpaths,
  xpathRules,
  type XpathRules,
} from './xpath-fast-paths.ts';

type Select = (expr: unknown, node: unknown, resolver: unknown, single?: boolean) => unknown;

const INSTANCES = samlXpaths();
/** The untouched `selectWithResolver` of each instance: xpath's own evaluates an XPathExpression. */
const isOriginal = (f: Select): boolean => f.toString().includes('new XPathExpression(');
const fromHere = createRequire(import.meta.url);
/** The version of the `xpath` package `pkg` loads. */
const xpathVersion = (pkg: string): string =>
  (createRequire(fromHere.resolve(pkg))('xpath/package.json') as { version: string }).version;
const ORIGINALS: readonly {
  readonly name: string;
  readonly version: string;
  readonly select: Select;
  readonly rules: XpathRules;
}[] = INSTANCES.map((x, i) => {
  if (!isOriginal(x.selectWithResolver))
    throw new Error('the xpath fast paths were installed before this test file captured xpath');
  // samlXpaths() lists xml-crypto's instance first, then node-saml's (when it is another one).
  const version = xpathVersion(i === 0 ? 'xml-crypto' : '@node-saml/node-saml');
  return {
    name: `xpath ${version}`,
    version,
    select: x.selectWithResolver.bind(x),
    rules: xpathRules(x),
  };
});
/** The suite's fixed fast-check seed (harness/testing/vitest-setup.ts; FC_SEED explores others). */
const SEED = fc.readConfigureGlobal().seed ?? 7_120_531;
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const XNS = 'urn:example:x';
const URIS = [SAMLP, SAML, DSIG, XNS] as const;
const PREFIXES = ['samlp', 'saml', 'ds', 'x'] as const;
const NAMES = [
  'Response',
  'Assertion',
  'Signature',
  'SignedInfo',
  'Reference',
  'Transform',
  'Issuer',
  'issuer',
  'foo',
  'Extensions',
  'Object',
  'ID',
  'Id',
] as const;
/** Attribute names; prefixed ones get their namespace declared on the element. */
const ATTRS = ['ID', 'Id', 'id', 'iD', 'Algorithm', 'x:ID', 'ds:Id', 'xmlns:ID'] as const;
/** Few values, so that equal IDs on several elements (wrapping shapes) are common. */
const VALUES = ['_a1', '_A1', '_b2', 'abc', 'Response', XNS, 'a&b', 'a b', 'urn:x/y#_a1'] as const;
/** An attribute value as XML text. */
const attrText = (v: string): string => v.replace(/&/g, '&amp;');

// ---------------------------------------------------------------------------------------------
// Documents

type Leaf = XmlLeaf;
interface El {
  readonly kind: 'element';
  readonly prefix: string | null;
  readonly prefixUri: string;
  readonly local: string;
  /** `xmlns="…"` on this element; null: none ('' undeclares). */
  readonly defaultNs: string | null;
  readonly attrs: readonly { readonly name: string; readonly value: string }[];
  readonly children: readonly (El | Leaf)[];
}

const leafArb: fc.Arbitrary<Leaf> = fc.oneof(
  fc.record({
    kind: fc.constant('text' as const),
    text: fc.constantFrom('hello', ' ', 'a &amp; b', '\n  '),
  }),
  fc.record({ kind: fc.constant('comment' as const), text: fc.constantFrom('c', ' ID=_a1 ', '') }),
  fc.record({
    kind: fc.constant('cdata' as const),
    text: fc.constantFrom('x', '<Issuer ID="_a1"/>'),
  }),
  fc.record({ kind: fc.constant('pi' as const), text: fc.constantFrom('Issuer x', 'pi') }),
);

function elementArb(depth: number, local: fc.Arbitrary<string>): fc.Arbitrary<El> {
  const child: fc.Arbitrary<El | Leaf> =
    depth >= 4
      ? leafArb
      : fc.oneof(
          { weight: 3, arbitrary: elementArb(depth + 1, fc.constantFrom(...NAMES)) },
          { weight: 1, arbitrary: leafArb },
        );
  return fc.record({
    kind: fc.constant('element' as const),
    prefix: fc.option(fc.constantFrom(...PREFIXES), { nil: null, freq: 2 }),
    prefixUri: fc.constantFrom(...URIS),
    local,
    defaultNs: fc.option(fc.constantFrom('', ...URIS), { nil: null, freq: 2 }),
    attrs: fc.uniqueArray(
      fc.record({ name: fc.constantFrom(...ATTRS), value: fc.constantFrom(...VALUES) }),
      { maxLength: 3, selector: (a) => a.name },
    ),
    children: fc.array(child, { maxLength: depth === 0 ? 4 : 3 }),
  });
}

/** The root is often a `Response` (the shapes xml-crypto and node-saml look for). */
const rootArb = elementArb(
  0,
  fc.oneof({ weight: 2, arbitrary: fc.constant('Response') }, fc.constantFrom(...NAMES)),
);
const docArb = fc.record({ prolog: fc.option(leafArb, { nil: null }), root: rootArb });

function serialize(n: El | Leaf): string {
  switch (n.kind) {
    case 'text':
    case 'comment':
    case 'cdata':
    case 'pi':
      return leafXml(n);
    case 'element': {
      const decls = new Map<string, string>();
      if (n.prefix) decls.set(n.prefix, n.prefixUri);
      const attrs: string[] = [];
      for (const a of n.attrs) {
        const [p, l] = a.name.includes(':') ? a.name.split(':') : [null, a.name];
        if (p === 'x' && !decls.has('x')) decls.set('x', XNS);
        if (p === 'ds' && !decls.has('ds')) decls.set('ds', DSIG);
        if (p === 'xmlns' && l) attrs.push(`xmlns:${l}="${attrText(a.value)}"`);
        else attrs.push(`${a.name}="${attrText(a.value)}"`);
      }
      const qname = n.prefix ? `${n.prefix}:${n.local}` : n.local;
      const head = [
        qname,
        ...[...decls].map(([p, u]) => `xmlns:${p}="${u}"`),
        ...(n.defaultNs === null ? [] : [`xmlns="${n.defaultNs}"`]),
        ...attrs,
      ].join(' ');
      return `<${head}>${n.children.map(serialize).join('')}</${qname}>`;
    }
  }
}

/** Parses strictly: a generated document that is not well-formed is a bug of this test. */
function elementsOf(n: Node): Element[] {
  const out: Element[] = [];
  const walk = (p: Node): void => {
    for (let c = p.firstChild; c; c = c.nextSibling)
      if (c.nodeType === 1) {
        out.push(c as Element);
        walk(c);
      }
  };
  walk(n);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Context nodes

const CONTEXT_KINDS = [
  'document',
  'root',
  'element',
  'clone',
  'created',
  'created-detached',
] as const;
type ContextKind = (typeof CONTEXT_KINDS)[number];
interface ContextPick {
  readonly kind: ContextKind;
  readonly index: number;
}
const contextArb: fc.Arbitrary<ContextPick> = fc.record({
  kind: fc.constantFrom(...CONTEXT_KINDS),
  index: fc.nat(),
});

/** The context node a pick names in `doc` (new detached clones and created documents each time). */
function contextNode(doc: Document, pick: ContextPick): Node {
  const all = elementsOf(doc);
  const some = all[pick.index % all.length] as Element;
  switch (pick.kind) {
    case 'document':
      return doc;
    case 'root':
      return doc.documentElement;
    case 'element':
      return some;
    case 'clone':
      // ownerDocument set, parentNode null: `/`-rooted paths start at the owner document.
      return some.cloneNode(true);
    case 'created': {
      const created = new DOMImplementation().createDocument(SAMLP, 'samlp:Wrapper', null);
      created.documentElement.appendChild(created.importNode(doc.documentElement, true));
      // Elements built with the DOM API rather than parsed (createElement sets no namespace).
      const built = created.createElement('ds:Signature');
      built.setAttribute('ID', '_a1');
      built
        .appendChild(created.createElementNS(DSIG, 'ds:Reference'))
        .appendChild(created.createComment('c'));
      created.documentElement.appendChild(built);
      const inside = elementsOf(created);
      return inside[pick.index % inside.length] as Element;
    }
    case 'created-detached': {
      // An element of a created document that has no document element at all.
      const created = new DOMImplementation().createDocument(null, '', null);
      return created.importNode(some, true);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Expressions

const name = fc.constantFrom(...NAMES);
const attr = fc.constantFrom('ID', 'Id', 'id', 'iD', 'Algorithm', 'xmlns');
const value = fc.constantFrom(...VALUES);

/** Every shape the module claims, by template name, with local names and namespace URIs from the pools. */
const templates = (name: fc.Arbitrary<string>, uri: fc.Arbitrary<string>) => ({
  'attribute-any': fc.tuple(attr, value).map(([n, v]) => `//*[@*[local-name(.)='${n}']='${v}']`),
  'all-elements': fc.constant('//*'),
  'root-element': fc.constant('/*'),
  'root-child': name.map((n) => `/*/*[local-name(.)='${n}']`),
  child: name.map((n) => `./*[local-name(.)='${n}']`),
  descendant: name.map((n) => `.//*[local-name(.)='${n}']`),
  'child-ns': fc
    .tuple(name, uri)
    .map(([n, u]) => `./*[local-name(.)='${n}' and namespace-uri(.)='${u}']`),
  'descendant-ns': fc
    .tuple(name, uri)
    .map(([n, u]) => `.//*[local-name(.)='${n}' and namespace-uri(.)='${u}']`),
  'all-named': name.map((n) => `//*[local-name()='${n}']`),
  'response-assertion': fc.constant("/*[local-name()='Response']/*[local-name()='Assertion']"),
  'root-path': fc
    .tuple(name, name)
    .map(([a, b]) => `/*[local-name()='${a}']/*[local-name()='${b}']`),
  'id-double-quoted': value.map((v) => `//*[@ID="${v}"]`),
  'named-attribute': fc
    .tuple(attr, value, fc.boolean())
    .map(([n, v, dq]) => (dq ? `//*[@${n}="${v}"]` : `//*[@${n}='${v}']`)),
  comments: fc.constant('.//comment()'),
  /** Child paths of one to three steps mixing every predicate form. */
  'child-path': fc
    .tuple(
      fc.constantFrom('/', './'),
      fc.array(
        fc.oneof(
          fc.constant('*'),
          name.map((n) => `*[local-name(.)='${n}']`),
          name.map((n) => `*[local-name()='${n}']`),
          fc.tuple(name, uri).map(([n, u]) => `*[local-name()='${n}' and namespace-uri()='${u}']`),
          fc
            .tuple(name, uri)
            .map(([n, u]) => `*[local-name(.)='${n}' and namespace-uri(.)='${u}']`),
          fc.tuple(attr, value).map(([n, v]) => `*[@*[local-name(.)='${n}']='${v}']`),
          fc.tuple(attr, value).map(([n, v]) => `*[@${n}='${v}']`),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([start, steps]) => start + steps.join('/')),
});
type ElementTemplate = keyof ReturnType<typeof templates>;
const ELEMENT_TEMPLATES = Object.keys(templates(name, fc.constant(''))) as ElementTemplate[];
/**
 * An element path of another template (but `.//comment()`), then the matched elements' `@N` or
 * `text()`. The module leaves some of these to xpath on purpose (text children of nested matches;
 * two attributes of one element that match `@N` case-insensitively): counted, not required.
 */
const TAIL_TEMPLATES = ['attribute-tail', 'text-tail'] as const;
type Template = ElementTemplate | (typeof TAIL_TEMPLATES)[number];
const TEMPLATE_NAMES: readonly Template[] = [...ELEMENT_TEMPLATES, ...TAIL_TEMPLATES];

/** The local names of a generated element and its descendants. */
const localsOf = (e: El): string[] => [
  e.local,
  ...e.children.flatMap((c) => (c.kind === 'element' ? localsOf(c) : [])),
];

/**
 * Expressions of every template, naming mostly elements of `root` (so that they find something);
 * namespace URIs include '', 'null' and 'undefined' (where the two xpath versions differ).
 */
function exprArb(root: El): fc.Arbitrary<{ template: Template; expr: string }> {
  const names = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...localsOf(root)) },
    { weight: 1, arbitrary: name },
  );
  const all = templates(names, fc.constantFrom('', 'null', 'undefined', ...URIS));
  const paths = fc.oneof(...ELEMENT_TEMPLATES.filter((t) => t !== 'comments').map((t) => all[t]));
  return fc.oneof(
    ...ELEMENT_TEMPLATES.map((t) => all[t].map((expr) => ({ template: t as Template, expr }))),
    fc
      .tuple(paths, attr)
      .map(([p, a]) => ({ template: 'attribute-tail' as Template, expr: `${p}/@${a}` })),
    paths.map((p) => ({ template: 'text-tail' as Template, expr: `${p}/text()` })),
  );
}

/** Shapes the module must leave to xpath. */
const NOT_HANDLED = [
  '//*[@ID]',
  ".//*[local-name(.)='X']/@*",
  ".//*[local-name(.)='X']/@x:ID",
  ".//*[local-name(.)='X']/node()",
  ".//*[local-name(.)='X']/text()/..",
  ".//*[local-name(.)='X']/@ID/..",
  '//@ID',
  '//text()',
  '/@ID',
  './text()',
  "//*[local-name(.)='a']/*",
  "//*[local-name(.)='a']//*",
  "//*[local-name(.)='a]']",
  "//*[@*[local-name(.)='ID']='a]b']",
  "//*[@ID='a[b']",
  '//*[@ID="a]"]',
  `./*[local-name(.)='a"b']`,
  '//*[1]',
  '/*/*[1]',
  "//*[local-name(.)='a' or namespace-uri(.)='']",
  '//node()',
  'count(//*)',
  '//ds:Signature',
  '',
];

// ---------------------------------------------------------------------------------------------
// Comparison

function describeNode(n: unknown): string {
  if (typeof n !== 'object' || n === null) return String(n);
  const d = n as Node;
  if (d.nodeType === 1) {
    const e = d as Element;
    const attrs = Array.from(e.attributes, (a) => `${a.name}=${a.value}`).join(',');
    return `<${e.nodeName}{${e.namespaceURI ?? ''}}[${attrs}]>`;
  }
  return `#${d.nodeType}:${d.nodeName}:${d.nodeValue ?? ''}`;
}

/** A node list as text (vitest cannot print xmldom nodes). */
const shown = (nodes: readonly unknown[] | undefined): string[] | undefined =>
  nodes?.map(describeNode);

interface Tally {
  handled: number;
  unhandled: number;
  nonEmpty: number;
  several: number;
}
const tally = (): Record<Template, Tally> =>
  Object.fromEntries(
    TEMPLATE_NAMES.map((t) => [t, { handled: 0, unhandled: 0, nonEmpty: 0, several: 0 }]),
  ) as Record<Template, Tally>;

/** Asserts that fastSelect gives exactly the original's answer (when it answers at all). */
function compare(
  original: Select,
  rules: XpathRules,
  expr: string,
  node: Node,
  where: string,
): 'handled' | 'unhandled' | readonly unknown[] {
  const fast = fastSelect(expr, node, rules);
  if (fast === undefined) return 'unhandled';
  const slow = original(expr, node, null, false);
  const context = `${where}: ${expr} from ${describeNode(node)}`;
  expect(Array.isArray(slow), context).toBe(true);
  const want = slow as unknown[];
  expect(fast.map(describeNode), context).toEqual(want.map(describeNode));
  // Same objects, not equal-looking ones.
  fast.forEach((n, i) => expect(n === want[i], `${context}: node ${i} identity`).toBe(true));
  // `select1` (single): the first node or undefined, as the installed wrapper returns.
  expect(fast[0] === original(expr, node, null, true), `${context} (single)`).toBe(true);
  return want;
}

// ---------------------------------------------------------------------------------------------

describe('fastSelect answers exactly as each xpath instance', () => {
  it('finds the two instances xml-crypto and node-saml load, unpatched', () => {
    // xml-crypto 6 bundles xpath 0.0.33; node-saml uses the top-level 0.0.34.
    expect(INSTANCES.length).toBe(2);
    expect(new Set(INSTANCES).size).toBe(2);
  });

  for (const { name: instance, select, rules } of ORIGINALS) {
    it(`${instance}: same nodes, order and identity on generated documents (seed ${SEED})`, () => {
      const t = tally();
      let duplicateIdDocs = 0;
      fc.assert(
        fc.property(
          docArb.chain((d) =>
            fc.tuple(
              fc.constant(d),
              fc.array(exprArb(d.root), {
                minLength: 1,
                maxLength: 8,
              }),
            ),
          ),
          fc.array(contextArb, { minLength: 1, maxLength: 4 }),
          ([d, exprs], picks) => {
            const xml = `${d.prolog ? serialize(d.prolog) : ''}${serialize(d.root)}`;
            const doc = parseGenerated(xml);
            const ids = new Map<string, number>();
            for (const e of elementsOf(doc))
              for (const a of Array.from(e.attributes))
                if (a.localName === 'ID') ids.set(a.value, (ids.get(a.value) ?? 0) + 1);
            if ([...ids.values()].some((c) => c > 1)) duplicateIdDocs++;
            for (const pick of picks) {
              const node = contextNode(doc, pick);
              for (const { template, expr } of exprs) {
                const r = compare(select, rules, expr, node, `${instance}, ${pick.kind}, ${xml}`);
                const c = t[template];
                if (r === 'unhandled') c.unhandled++;
                else {
                  c.handled++;
                  if (r.length > 0) c.nonEmpty++;
                  if (r.length > 1) c.several++;
                }
              }
            }
          },
        ),
        { seed: SEED, numRuns: 1000 },
      );
      // Every claimed shape was generated, answered by the walk (every time but for the tails'
      // documented exceptions), and found something.
      for (const tn of TEMPLATE_NAMES) {
        const c = t[tn];
        if (!(TAIL_TEMPLATES as readonly string[]).includes(tn))
          expect(c.unhandled, `${tn} left to xpath`).toBe(0);
        expect(c.handled, `${tn} generated`).toBeGreaterThan(20);
        expect(c.nonEmpty, `${tn} found nodes`).toBeGreaterThan(5);
      }
      // Wrapping shapes: several elements carrying one ID value, found as several.
      expect(duplicateIdDocs).toBeGreaterThan(30);
      expect(t['attribute-any'].several).toBeGreaterThan(0);
      expect(t['named-attribute'].several).toBeGreaterThan(0);
    });
  }

  it('leaves other shapes and non-element contexts to xpath (undefined)', () => {
    const doc = parseGenerated(
      `<samlp:Response xmlns:samlp="${SAMLP}" xmlns:ds="${DSIG}" ID="_a1"><a ID="a]">t</a>` +
        `<!--c--><ds:Signature Id="_b2"/></samlp:Response>`,
    );
    const root = doc.documentElement;
    for (const expr of NOT_HANDLED)
      for (const node of [doc, root, root.firstChild as Node]) {
        expect(shown(fastSelect(expr, node)), `${expr} from ${describeNode(node)}`).toBeUndefined();
      }
    const text = (root.firstChild as Element).firstChild as Node;
    const attribute = root.getAttributeNode('ID') as Attr;
    for (const node of [text, attribute, root.firstChild?.nextSibling as Node])
      for (const expr of ['//*', './/comment()', "//*[@*[local-name(.)='ID']='_a1']"])
        expect(shown(fastSelect(expr, node)), `${expr} from ${describeNode(node)}`).toBeUndefined();
    expect(fastSelect(42, doc)).toBeUndefined();
    expect(fastSelect('//*', { nodeType: 'x' })).toBeUndefined();
    expect(fastSelect('//*', null)).toBeUndefined();
  });

  it('counts namespace declarations as attributes and folds case for name tests, as xpath does', () => {
    // `xmlns:ID="_a1"` is an entry of `attributes`; `@ID` on an xmldom document also matches `iD`.
    const doc = parseGenerated(
      `<Response xmlns:ID="_a1"><foo iD="_b2"/><foo x:ID="_b2" xmlns:x="${XNS}"/></Response>`,
    );
    for (const { name: instance, select, rules } of ORIGINALS) {
      const a = compare(select, rules, "//*[@*[local-name(.)='ID']='_a1']", doc, instance);
      expect(a[0] === doc.documentElement && a.length === 1, instance).toBe(true);
      const b = compare(select, rules, '//*[@ID="_b2"]', doc, instance);
      expect(b[0] === doc.documentElement.firstChild && b.length === 1, instance).toBe(true);
    }
  });
});

describe('fastSelect on literals the templates do not generate', () => {
  it('double-quoted values holding apostrophes and slashes: as xpath, or left to it', () => {
    const doc = parseGenerated(
      `<Response ID="a'b"><foo ID="a'/'b"/><foo Id="x/y"/><foo ID='q"r'/></Response>`,
    );
    const exprs = [
      `//*[@ID="a'b"]`,
      `//*[@ID="a'/'b"]`,
      `//*[@Id="x/y"]`,
      `//*[@*[local-name(.)='Id']='x/y']`,
      `./*[@ID="a'/'b"]/*`,
      `/*[@ID="a'b"]/*[@ID="a'/'b"]`,
    ];
    let handled = 0;
    for (const { name: instance, select, rules } of ORIGINALS)
      for (const expr of exprs)
        for (const node of [doc, doc.documentElement])
          if (compare(select, rules, expr, node, instance) !== 'unhandled') handled++;
    // The single-step ones are answered by the walk (and then equal xpath's answer).
    expect(handled).toBeGreaterThanOrEqual(2 * 2 * 4);
  });
});

describe('namespace-uri() of an element in no namespace, as each xpath version says it', () => {
  // xpath 0.0.33 (xml-crypto's) evaluates namespace-uri() as `String(namespaceURI)`: 'undefined'
  // for an element xmldom parsed in no namespace, 'null' for one made by createElement; 0.0.34
  // (node-saml's) as `namespaceURI || ''`. The fast path asks each instance (`xpathRules`).
  it('the rules found for each instance', () => {
    const byVersion = Object.fromEntries(ORIGINALS.map((o) => [o.version, o.rules]));
    expect(byVersion).toEqual({
      '0.0.33': { rawNamespaceUri: true },
      '0.0.34': { rawNamespaceUri: false },
    });
  });

  for (const expr of [
    "./*[local-name(.)='Response' and namespace-uri(.)='']",
    "/*[local-name()='Response' and namespace-uri()='']",
    "./*[local-name(.)='Response' and namespace-uri(.)='undefined']",
    "./*[local-name(.)='Response' and namespace-uri(.)='null']",
  ])
    it(`both versions: ${expr} from the document <Response/>`, () => {
      for (const o of ORIGINALS)
        expect(compare(o.select, o.rules, expr, parseGenerated('<Response/>'), o.name)).not.toBe(
          'unhandled',
        );
    });

  it('an element made by createElement (namespaceURI null) and one with xmlns=""', () => {
    const doc = parseGenerated('<r><a xmlns=""/></r>');
    doc.documentElement?.appendChild(doc.createElement('a'));
    for (const o of ORIGINALS)
      for (const u of ['', 'null', 'undefined'])
        compare(
          o.select,
          o.rules,
          `./*[local-name(.)='a' and namespace-uri(.)='${u}']`,
          doc.documentElement as unknown as Node,
          o.name,
        );
  });

  it(`generated documents, namespace URIs '', 'null' and 'undefined' only (seed ${SEED})`, () => {
    const nsExpr = fc
      .tuple(
        fc.constantFrom(...NAMES),
        fc.constantFrom('', 'null', 'undefined'),
        fc.constantFrom('./', './/', '/'),
      )
      .map(([n, u, start]) => `${start}*[local-name(.)='${n}' and namespace-uri(.)='${u}']`);
    fc.assert(
      fc.property(docArb, nsExpr, contextArb, (d, expr, pick) => {
        const xml = `${d.prolog ? serialize(d.prolog) : ''}${serialize(d.root)}`;
        for (const o of ORIGINALS)
          compare(
            o.select,
            o.rules,
            expr,
            contextNode(parseGenerated(xml), pick),
            `${o.name}, ${xml}`,
          );
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// xml-crypto with and without the fast paths

const RESPONSE_ID = '_resp0123456789abcdef';

function response(): string {
  return (
    `<samlp:Response xmlns:samlp="${SAMLP}" xmlns:saml="${SAML}" ID="${RESPONSE_ID}" ` +
    `Version="2.0" IssueInstant="2026-01-01T10:00:00Z">` +
    `<saml:Issuer>https://idp.example/</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="_assertion1" Version="2.0" IssueInstant="2026-01-01T10:00:00Z">` +
    `<saml:Issuer>https://idp.example/</saml:Issuer><saml:Subject>citizen</saml:Subject>` +
    `</saml:Assertion></samlp:Response>`
  );
}

type Verdict =
  { readonly ok: boolean; readonly signed: readonly string[] } | { readonly error: string };

function verify(xml: string, certificatePem: string): Verdict {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  // The Response's own signature: the first one in document order whose Reference names it.
  const signature = Array.from(doc.getElementsByTagNameNS(DSIG, 'Signature')).find((s) =>
    Array.from(s.getElementsByTagNameNS(DSIG, 'Reference')).some(
      (r) => r.getAttribute('URI') === `#${RESPONSE_ID}`,
    ),
  );
  if (!signature) return { error: 'no signature' };
  const v = new SignedXml({ publicCert: certificatePem });
  try {
    v.loadSignature(signature);
    const ok = v.checkSignature(xml);
    return { ok, signed: v.getSignedReferences() };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

describe('xml-crypto with the fast paths installed', () => {
  it('gives the verdicts it gives without them: a signed Response, tampering, wrapping', () => {
    const key = testSp().key;
    const signed = signRootElement(response(), key);
    const sigEnd = '</ds:Signature>';
    expect(signed).toContain(sigEnd);
    const cases: Record<string, string> = {
      signed,
      tampered: signed.replace('<saml:Subject>citizen', '<saml:Subject>mallory'),
      // A second element with the signed ID inside ds:Object: the enveloped transform drops the
      // Signature, so the digest still matches; only the duplicate-ID check can refuse it.
      'duplicate ID in ds:Object': signed.replace(
        sigEnd,
        `<ds:Object><samlp:Response ID="${RESPONSE_ID}"><saml:Issuer>evil</saml:Issuer>` +
          `</samlp:Response></ds:Object>${sigEnd}`,
      ),
      // The signed Response moved into the Extensions of an evil Response carrying its ID.
      'duplicate ID around Extensions':
        signed.replace(
          /^<samlp:Response [^>]*>/,
          (open) =>
            `<samlp:Response xmlns:samlp="${SAMLP}" ID="${RESPONSE_ID}"><samlp:Extensions>${open}`,
        ) + '</samlp:Extensions></samlp:Response>',
      // Moved without a duplicate: xml-crypto verifies the inner one (the SP must use only it).
      'moved into Extensions':
        signed.replace(
          /^<samlp:Response [^>]*>/,
          (open) => `<samlp:Response xmlns:samlp="${SAMLP}" ID="_evil"><samlp:Extensions>${open}`,
        ) + '</samlp:Extensions></samlp:Response>',
    };

    const xmlCrypto = INSTANCES[0];
    if (!xmlCrypto) throw new Error('no xpath instance');
    /** Runs every case, recording what xml-crypto asked its xpath and whether the walk answers it. */
    const run = (): { verdicts: Record<string, Verdict>; asked: string[]; walked: number } => {
      const inner = xmlCrypto.selectWithResolver;
      const asked: string[] = [];
      let walked = 0;
      xmlCrypto.selectWithResolver = (expr, node, resolver, single) => {
        asked.push(String(expr));
        if (fastSelect(expr, node) !== undefined) walked++;
        return inner(expr, node, resolver, single);
      };
      try {
        const verdicts = Object.fromEntries(
          Object.entries(cases).map(([k, xml]) => [k, verify(xml, key.certificatePem)]),
        );
        return { verdicts, asked, walked };
      } finally {
        xmlCrypto.selectWithResolver = inner;
      }
    };

    const without = run();
    expect(without.verdicts['signed']).toMatchObject({ ok: true });
    const tampered = without.verdicts['tampered'];
    expect(tampered && 'ok' in tampered ? tampered.ok : tampered?.error).not.toBe(true);
    for (const k of ['duplicate ID in ds:Object', 'duplicate ID around Extensions'])
      expect(without.verdicts[k], k).toMatchObject({
        error: expect.stringContaining('signature wrapping') as unknown,
      });
    expect(without.verdicts['moved into Extensions']).toMatchObject({ ok: true });

    for (const x of INSTANCES) installOn(x);
    expect(isOriginal(xmlCrypto.selectWithResolver)).toBe(false);
    const withFast = run();
    expect(withFast.verdicts).toEqual(without.verdicts);
    // xml-crypto asked the same questions in the same order, and the walk answered most of them.
    expect(withFast.asked).toEqual(without.asked);
    expect(withFast.walked).toBe(without.walked);
    expect(withFast.walked).toBeGreaterThan(withFast.asked.length / 2);
  });
});
