/**
 * The non-element nodes of the documents the SP's property tests generate (text, comment, CDATA
 * section, processing instruction), as XML text. A processing instruction's text starts with its
 * target.
 */
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
