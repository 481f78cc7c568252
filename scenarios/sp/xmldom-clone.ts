/**
 * A faster `Node.prototype.cloneNode` for @xmldom/xmldom 0.8, giving the same copy.
 *
 * Why: xml-crypto (6.x) deep-clones the element it canonicalises, for every Reference it digests
 * and for every SignedInfo: the IdP clones its Assertion and its Response once each to sign them,
 * the SP clones them again to check them, and the Response holds the Assertion, so each login
 * copies about three Assertions' worth of nodes. xmldom 0.8.15 copies each node's scalar
 * properties with a `for … in` loop filtered by `hasOwnProperty`, which walks every enumerable
 * method of the node's prototypes too (Element → Node carry dozens): that loop alone was about 4 %
 * of all the CPU of a browserless login.
 *
 * What: the same algorithm with `Object.keys`, which lists exactly the keys that loop keeps (own,
 * enumerable, string-named) in the same order. Each copy is made the way xmldom makes it:
 * - a blank node from the source's own constructor;
 * - every own property that is not an object copied over, except where it loosely equals (`!=`)
 *   what the blank node already has (xmldom's own comparison, kept as is: it decides which
 *   properties end up own on the copy);
 * - an empty child list when the source has one, and `ownerDocument` set to the document the
 *   clone belongs to (the source's `ownerDocument`, or the source itself when it has none);
 * - for an element, a new attribute map owned by the copy, filled with deep copies of the
 *   attributes in order through `setAttributeNode`;
 * - the copy appended to its parent's copy before its own children are copied, in document
 *   order; an attribute's children always (xmldom forces deep for attributes, though its 0.8
 *   attributes keep their value in a property and cannot have children: an attribute inside an
 *   element is copied without looking for any).
 *
 * The walk is iterative, as xmldom's is: a hostile document nested thousands deep cannot overflow
 * the stack. `xmldom-clone.test.ts` checks the copies against xmldom's own on generated documents.
 */
import { samlLibraryInstances } from './saml-libraries.ts';

const ELEMENT_NODE = 1;
const ATTRIBUTE_NODE = 2;

/** The xmldom node fields this module reads or writes (xmldom 0.8's own names). */
interface XNode {
  readonly nodeType: number;
  readonly constructor: new () => XNode;
  ownerDocument: XNode | null;
  childNodes?: object;
  attributes?: XAttributes;
  readonly firstChild: XNode | null;
  readonly nextSibling: XNode | null;
  appendChild(child: XNode): XNode;
  setAttributeNode(attr: XNode): XNode | null;
  createElement?(name: string): XNode;
  cloneNode(deep?: boolean): XNode;
}

interface XAttributes {
  readonly length: number;
  item(i: number): XNode | null;
  _ownerElement?: XNode;
}

interface DomModule {
  readonly Node: { prototype: { cloneNode(this: XNode, deep?: boolean): XNode } };
  readonly NodeList: new () => object;
}

/** The @xmldom/xmldom `lib/dom.js` instances that xml-crypto, node-saml and this project load. */
export function xmldomModules(): DomModule[] {
  return samlLibraryInstances<DomModule>('@xmldom/xmldom/lib/dom.js', true);
}

/**
 * A fresh, empty attribute map. xmldom does not export its NamedNodeMap constructor; the map an
 * element gets from `createElement` is one, built by that constructor, and is then re-owned.
 */
function emptyAttributes(doc: XNode, scratch: XNode): XAttributes {
  const maker = typeof doc.createElement === 'function' ? doc : scratch;
  const map = (maker.createElement as (name: string) => XNode)('x').attributes;
  if (!map) throw new Error('xmldom: createElement gave an element without an attribute map');
  return map;
}

/** xmldom's scalar copy, with `Object.keys` for its filtered `for … in`. */
function blankCopy(src: XNode, doc: XNode, NodeList: new () => object): XNode {
  const dest = new src.constructor();
  const from = src as unknown as Record<string, unknown>;
  const to = dest as unknown as Record<string, unknown>;
  for (const k of Object.keys(src)) {
    const v = from[k];
    // Loose on purpose: xmldom's own test, which leaves e.g. undefined over a null default.
    // eslint-disable-next-line eqeqeq
    if (typeof v !== 'object' && v != to[k]) to[k] = v;
  }
  if (src.childNodes) dest.childNodes = new NodeList();
  dest.ownerDocument = doc;
  return dest;
}

/** Deep or shallow copy of `node` into `doc`, as xmldom 0.8.15's `cloneNode` makes it. */
export function cloneLikeXmldom(
  dom: DomModule,
  scratch: XNode,
  doc: XNode,
  node: XNode,
  deep: boolean,
): XNode {
  let root: XNode | undefined;
  const stack: { src: XNode; parent: XNode | null }[] = [{ src: node, parent: null }];
  while (stack.length > 0) {
    const { src, parent } = stack.pop() as { src: XNode; parent: XNode | null };
    const dest = blankCopy(src, doc, dom.NodeList);
    if (dest.nodeType === ELEMENT_NODE) {
      const attrs = src.attributes as XAttributes;
      const map = emptyAttributes(doc, scratch);
      map._ownerElement = dest;
      dest.attributes = map;
      // xmldom copies each attribute deeply; its 0.8 attributes cannot have children (appendChild
      // refuses an Attr parent), so the deep copy is the blank copy.
      for (let i = 0; i < attrs.length; i++)
        dest.setAttributeNode(blankCopy(attrs.item(i) as XNode, doc, dom.NodeList));
    }
    if (parent) parent.appendChild(dest);
    else root = dest;
    if (!deep && dest.nodeType !== ATTRIBUTE_NODE) continue;
    // Pushed last child first, so that the first child is copied (and appended) first.
    const children: XNode[] = [];
    for (let c = src.firstChild; c; c = c.nextSibling) children.push(c);
    for (let i = children.length - 1; i >= 0; i--)
      stack.push({ src: children[i] as XNode, parent: dest });
  }
  return root as XNode;
}

const originals = new Map<DomModule, (this: XNode, deep?: boolean) => XNode>();

/** xmldom's own `cloneNode` of `dom` (captured at install; the current one before it). */
export function originalCloneNode(dom: DomModule): (this: XNode, deep?: boolean) => XNode {
  return originals.get(dom) ?? dom.Node.prototype.cloneNode;
}

/** Installs the faster `cloneNode` on every instance of {@link xmldomModules} (once each). */
export function installFastClone(): void {
  for (const dom of xmldomModules()) {
    if (originals.has(dom)) continue;
    const proto = dom.Node.prototype;
    const original = proto.cloneNode;
    originals.set(dom, original);
    // A document to borrow attribute maps from when the clone's own cannot make elements.
    let scratch: XNode | undefined;
    proto.cloneNode = function (this: XNode, deep?: boolean): XNode {
      scratch ??= newScratchDocument(this);
      return cloneLikeXmldom(dom, scratch, this.ownerDocument || this, this, Boolean(deep));
    };
  }
}

function newScratchDocument(anyNode: XNode): XNode {
  const doc = (anyNode.ownerDocument || anyNode) as XNode & {
    implementation?: { createDocument(ns: null, name: string): XNode };
  };
  const made = doc.implementation?.createDocument(null, 'scratch');
  if (!made) throw new Error('xmldom: no DOMImplementation to make a scratch document');
  return made;
}
