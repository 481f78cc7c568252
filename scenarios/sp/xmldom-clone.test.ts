/**
 * xmldom-clone.ts copies nodes exactly as @xmldom/xmldom 0.8.15's own `cloneNode` does: checked
 * differentially on seeded random documents (prefixed and default namespaces, namespace
 * declarations, attributes, text, comments, CDATA, processing instructions), from any node —
 * the document, elements, attributes, leaves, detached and createDocument-made nodes — deep and
 * shallow. "The same copy" is compared field by field: every own property of every copied node,
 * attribute map and child list, in order, with references inside the copy compared by position
 * and references out of it by identity. xml-crypto's verdicts on a signed Response are then the
 * same with the fast clone installed.
 *
 * This file must not import `cie-saml.ts` or `idp/saml/sign.ts` (which install the fast clone at
 * load): xmldom's own `cloneNode` is taken below before anything replaces it.
 */
import { DOMImplementation, XMLSerializer } from '@xmldom/xmldom';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cloneLikeXmldom,
  installFastClone,
  originalCloneNode,
  xmldomModules,
} from './xmldom-clone.ts';
import { leafXml, parseGenerated, type XmlLeaf } from './testing/generated-xml.ts';

/** The suite's fixed fast-check seed (harness/testing/vitest-setup.ts; FC_SEED explores others). */
const SEED = fc.readConfigureGlobal().seed ?? 4_410_227;
const MODULES = xmldomModules();
const [OUR_DOM] = MODULES;
if (!OUR_DOM) throw new Error('no xmldom module found');
/** xmldom's own cloneNode, taken before the install test below replaces it. */
const ORIGINAL = originalCloneNode(OUR_DOM);
const isXmldomOwn = (f: unknown): boolean => String(f).includes('cloneNode(this.ownerDocument');
it('the cloneNode taken as the reference is xmldom’s own', () => {
  expect(isXmldomOwn(ORIGINAL)).toBe(true);
});

type AnyNode = Node & Record<string, unknown>;

const fast = (n: Node, deep: boolean): Node => {
  const node = n as unknown as Parameters<typeof cloneLikeXmldom>[3];
  const scratch = new DOMImplementation().createDocument(null, 'scratch') as unknown as typeof node;
  const doc = (node.ownerDocument || node) as typeof node;
  return cloneLikeXmldom(OUR_DOM, scratch, doc, node, deep) as unknown as Node;
};
const own = (n: Node, deep: boolean): Node =>
  (ORIGINAL as unknown as (this: Node, deep: boolean) => Node).call(n, deep);

// ---------------------------------------------------------------------------------------------
// Field-by-field description of a copy

/** Every node of a copy, in a fixed order: the node, its attributes, its children. */
function nodesOf(root: Node): Node[] {
  const out: Node[] = [];
  const visit = (n: Node): void => {
    out.push(n);
    const attrs = (n as Element).attributes;
    if (attrs) for (let i = 0; i < attrs.length; i++) visit(attrs.item(i) as Node);
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
  };
  visit(root);
  return out;
}

/**
 * Own properties of every node of `root`'s copy, references inside it as `@index`, references to
 * nodes outside it as `ext#k` (k shared between the two copies compared: the same outside node
 * gets the same k), other objects (child lists, attribute maps, namespace maps) by their own
 * properties one level down. A document's `_inc` is only named: it is xmldom's modification
 * counter (live lists compare it with what they saw), copied from the source document, which each
 * copy made before bumps.
 */
function describeCopy(root: Node, outside: Map<unknown, number>): unknown[] {
  const nodes = nodesOf(root);
  const index = new Map<unknown, number>(nodes.map((n, i) => [n, i]));
  const value = (v: unknown, depth: number): unknown => {
    if (v === null || v === undefined) return v === null ? 'null' : 'undefined';
    if (typeof v === 'function') return 'function';
    if (typeof v !== 'object') return v;
    const at = index.get(v);
    if (at !== undefined) return `@${at}`;
    if ('nodeType' in v) {
      if (!outside.has(v)) outside.set(v, outside.size);
      return `ext#${outside.get(v)}`;
    }
    if (depth >= 2) return 'object';
    return Object.keys(v).map((k) => [k, value((v as Record<string, unknown>)[k], depth + 1)]);
  };
  return nodes.map((n) => [
    (n as { constructor: { name: string } }).constructor.name,
    Object.keys(n).map((k) => [k, k === '_inc' ? 'counter' : value((n as AnyNode)[k], 0)]),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Documents

const NS = ['urn:a', 'urn:b', 'http://www.w3.org/2000/09/xmldsig#'] as const;
type Leaf = XmlLeaf;
interface El {
  readonly kind: 'element';
  readonly prefix: 'p' | 'ds' | null;
  readonly ns: string;
  readonly name: string;
  readonly defaultNs: string | null;
  readonly attrs: readonly { readonly name: string; readonly value: string }[];
  readonly children: readonly (El | Leaf)[];
}
const leafArb: fc.Arbitrary<Leaf> = fc.record({
  kind: fc.constantFrom('text' as const, 'comment' as const, 'cdata' as const, 'pi' as const),
  text: fc.constantFrom('x', ' a &amp; b ', '', '\n  ', 'é€'),
});
function elementArb(depth: number): fc.Arbitrary<El> {
  const child: fc.Arbitrary<El | Leaf> =
    depth >= 3 ? leafArb : fc.oneof({ weight: 2, arbitrary: elementArb(depth + 1) }, leafArb);
  return fc.record({
    kind: fc.constant('element' as const),
    prefix: fc.constantFrom('p' as const, 'ds' as const, null),
    ns: fc.constantFrom(...NS),
    name: fc.constantFrom('Response', 'Assertion', 'Signature', 'a', 'B'),
    defaultNs: fc.constantFrom(null, '', ...NS),
    attrs: fc.uniqueArray(
      fc.record({
        name: fc.constantFrom('ID', 'id', 'Version', 'p:ID', 'xmlns:q', 'xml:lang'),
        value: fc.constantFrom('_a1', '', 'a&amp;b', 'urn:q', 'it'),
      }),
      { maxLength: 4, selector: (a) => a.name },
    ),
    children: fc.array(child, { maxLength: 3 }),
  });
}
function xmlOf(n: El | Leaf): string {
  switch (n.kind) {
    case 'text':
    case 'comment':
    case 'cdata':
    case 'pi':
      return leafXml(n.kind === 'pi' ? { kind: 'pi', text: `pi ${n.text}` } : n);
    case 'element': {
      const q = n.prefix ? `${n.prefix}:${n.name}` : n.name;
      const decls = [
        ...(n.prefix ? [`xmlns:${n.prefix}="${n.ns}"`] : []),
        ...(n.defaultNs === null ? [] : [`xmlns="${n.defaultNs}"`]),
        ...(n.attrs.some((a) => a.name.startsWith('p:')) && n.prefix !== 'p'
          ? ['xmlns:p="urn:p"']
          : []),
      ];
      const attrs = n.attrs.map((a) => `${a.name}="${a.value}"`);
      return `<${[q, ...decls, ...attrs].join(' ')}>${n.children.map(xmlOf).join('')}</${q}>`;
    }
  }
}
/** Before the root only comments and processing instructions are well-formed. */
const prologArb: fc.Arbitrary<Leaf> = fc.record({
  kind: fc.constantFrom('comment' as const, 'pi' as const),
  text: fc.constantFrom('x', ''),
});
const docArb = fc.record({ prolog: fc.option(prologArb, { nil: null }), root: elementArb(0) });

/** The node to clone: the document, or any node of it (attributes included), maybe detached. */
function pick(doc: Document, k: number, detach: boolean): Node {
  const all = nodesOf(doc);
  const n = all[k % all.length] as Node;
  if (detach && n.parentNode && n.nodeType !== 9) n.parentNode.removeChild(n);
  return n;
}

function sameCopy(src: Node, deep: boolean, what: string): void {
  const outside = new Map<unknown, number>();
  const a = own(src, deep);
  const b = fast(src, deep);
  expect(describeCopy(b, outside), what).toEqual(describeCopy(a, outside));
  if (a.nodeType !== 2)
    expect(new XMLSerializer().serializeToString(b)).toBe(new XMLSerializer().serializeToString(a));
}

describe('fast clone = xmldom’s own cloneNode', () => {
  it(`deep and shallow copies of any node of generated documents (seed ${SEED})`, () => {
    fc.assert(
      fc.property(docArb, fc.nat(), fc.boolean(), fc.boolean(), (d, k, deep, detach) => {
        const xml = `${d.prolog ? xmlOf(d.prolog) : ''}${xmlOf(d.root)}`;
        const src = pick(parseGenerated(xml), k, detach);
        sameCopy(src, deep, xml);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('copies of nodes made through the DOM API, and a copy of a copy', () => {
    const doc = new DOMImplementation().createDocument('urn:a', 'p:root', null);
    const root = doc.documentElement as Element;
    root.setAttribute('ID', '_x');
    root.setAttributeNS('urn:b', 'b:attr', 'v');
    const child = doc.createElementNS('urn:c', 'c');
    child.appendChild(doc.createTextNode('t'));
    child.appendChild(doc.createComment('c'));
    root.appendChild(child);
    root.appendChild(doc.createProcessingInstruction('pi', 'data'));
    for (const n of [
      doc,
      root,
      child,
      root.getAttributeNode('ID') as Node,
      child.firstChild as Node,
    ])
      for (const deep of [true, false]) sameCopy(n, deep, String(n.nodeName));
    sameCopy(fast(root, true), true, 'copy of a copy');
  });

  it('the copy is independent of its source', () => {
    const doc = parseGenerated('<r ID="_1"><a x="1">t</a></r>');
    const copy = fast(doc.documentElement as Node, true) as Element;
    copy.setAttribute('ID', '_2');
    (copy.firstChild as Element).setAttribute('x', '2');
    (copy.firstChild as Element).appendChild(doc.createTextNode('more'));
    expect(new XMLSerializer().serializeToString(doc)).toBe('<r ID="_1"><a x="1">t</a></r>');
  });

  it('an attribute cannot be given children (why attributes are copied without looking for any)', () => {
    const doc = new DOMImplementation().createDocument(null, 'r');
    const a = doc.createAttribute('x');
    expect(() => a.appendChild(doc.createTextNode('t'))).toThrow();
    expect(a.firstChild).toBeNull();
  });

  it('a document nested 20,000 deep is copied without overflowing the stack', () => {
    const depth = 20_000;
    const doc = parseGenerated(`${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`);
    const copy = fast(doc.documentElement as Node, true);
    let d = 0;
    for (let n: Node | null = copy; n && n.nodeType === 1; n = n.firstChild) d++;
    expect(d).toBe(depth);
  });
});

describe('installFastClone', () => {
  it('replaces cloneNode on every xmldom instance xml-crypto and node-saml load, once', () => {
    installFastClone();
    const after = MODULES.map((m) => m.Node.prototype.cloneNode);
    for (const [i, m] of MODULES.entries()) {
      expect(isXmldomOwn(m.Node.prototype.cloneNode), `instance ${i}`).toBe(false);
      expect(isXmldomOwn(originalCloneNode(m))).toBe(true);
    }
    installFastClone();
    expect(MODULES.map((m) => m.Node.prototype.cloneNode)).toEqual(after);
    const doc = parseGenerated('<p:r xmlns:p="urn:a" ID="_1"><p:a>t</p:a><!--c--></p:r>');
    const outside = new Map<unknown, number>();
    expect(describeCopy(doc.cloneNode(true), outside)).toEqual(
      describeCopy(own(doc, true), outside),
    );
  });
});
