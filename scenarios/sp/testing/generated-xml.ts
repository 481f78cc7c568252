/**
 * The documents the SP's property tests generate: their non-element nodes (text, comment, CDATA
 * section, processing instruction) as XML text, and a parse that refuses what a generator got
 * wrong instead of letting xmldom repair it.
 */
import { DOMParser } from '@xmldom/xmldom';

/** A non-element node. A processing instruction's text starts with its target. */
export interface XmlLeaf {
  readonly kind: 'text' | 'comment' | 'cdata' | 'pi';
  readonly text: string;
}

export function leafXml(n: XmlLeaf): string {
  switch (n.kind) {
    case 'text':
      return n.text;
    case 'comment':
      return `<!--${n.text}-->`;
    case 'cdata':
      return `<![CDATA[${n.text}]]>`;
    case 'pi':
      return `<?${n.text}?>`;
  }
}

/** Parses generated XML; any xmldom warning or error is the generator's bug and fails the test. */
export function parseGenerated(xml: string): Document {
  const fail = (m: string): never => {
    throw new Error(`generated XML did not parse (${m}): ${xml}`);
  };
  return new DOMParser({
    errorHandler: { warning: fail, error: fail, fatalError: fail },
  }).parseFromString(xml, 'text/xml');
}
