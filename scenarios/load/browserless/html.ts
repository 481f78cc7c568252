/**
 * What a browser without script reads from a page: its id (the IdP's `<body data-page>`, the SP's
 * `#sp-logged-in` / `#sp-login-failed`), its forms (action, method, fields, submit buttons with
 * their labels), links by id, and the CIE error code it shows. Server-rendered pages only (the
 * reference IdP and SP, the real IdP's pages); a page that needs script to show its forms cannot be
 * driven this way, and the step that needs it fails naming the page.
 */

export interface FormButton {
  readonly name?: string;
  readonly value?: string;
  /** The button's text (or an input button's value). */
  readonly label: string;
}

export interface HtmlForm {
  readonly id?: string;
  readonly action: string;
  readonly method: 'GET' | 'POST';
  /** Inputs in document order: hidden and text fields with their current values. */
  readonly fields: readonly {
    readonly name: string;
    readonly value: string;
    readonly id?: string;
  }[];
  readonly buttons: readonly FormButton[];
}

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  '#39': "'",
  nbsp: ' ',
};

/** Decodes the character references an attribute or text may carry. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+|#39);/g, (m, e: string) => {
    if (ENTITIES[e] !== undefined) return ENTITIES[e];
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return m;
  });
}

/** The attributes of one start tag (`<input type="hidden" name="a" value="b">`). */
export function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const inner = tag.replace(/^<\s*[a-zA-Z0-9]+/, '').replace(/\/?>$/, '');
  for (const m of inner.matchAll(re)) {
    const name = (m[1] as string).toLowerCase();
    out[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

function stripTags(s: string): string {
  return decodeEntities(s.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

/** Every form of the page, its action resolved against `baseUrl`. */
export function parseForms(html: string, baseUrl: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const m of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const open = /<form\b[^>]*>/i.exec(m[0])?.[0] ?? '';
    const a = attributes(open);
    const body = m[1] ?? '';
    const fields: { name: string; value: string; id?: string }[] = [];
    const buttons: FormButton[] = [];
    for (const t of body.matchAll(/<input\b[^>]*>|<button\b[^>]*>([\s\S]*?)<\/button>/gi)) {
      const tag = t[0];
      const at = attributes(/^<[^>]*>/.exec(tag)?.[0] ?? tag);
      const isButton = /^<button/i.test(tag);
      const type = (at['type'] ?? (isButton ? 'submit' : 'text')).toLowerCase();
      if (type === 'submit' || type === 'button' || (isButton && type !== 'reset')) {
        const label = isButton ? stripTags(t[1] ?? '') : (at['value'] ?? '');
        buttons.push({
          label,
          ...(at['name'] !== undefined ? { name: at['name'] } : {}),
          ...(at['value'] !== undefined ? { value: at['value'] } : {}),
        });
      } else if (at['name'] !== undefined && type !== 'checkbox' && type !== 'radio') {
        fields.push({
          name: at['name'],
          value: at['value'] ?? '',
          ...(at['id'] !== undefined ? { id: at['id'] } : {}),
        });
      }
    }
    forms.push({
      ...(a['id'] !== undefined ? { id: a['id'] } : {}),
      action: new URL(a['action'] ?? '', baseUrl).toString(),
      method: (a['method'] ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET',
      fields,
      buttons,
    });
  }
  return forms;
}

/** The `href` of the element with this id (a link such as the SP's "Entra con CIE"). */
export function hrefOfId(html: string, id: string, baseUrl: string): string | undefined {
  for (const m of html.matchAll(/<a\b[^>]*>/gi)) {
    const a = attributes(m[0]);
    if (a['id'] === id && a['href'] !== undefined) return new URL(a['href'], baseUrl).toString();
  }
  return undefined;
}

/** Does the page hold an element with this id? */
export function hasId(html: string, id: string): boolean {
  return new RegExp(`\\sid\\s*=\\s*["']${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']`).test(
    html,
  );
}

/** The value of `attribute` on the element with this id. */
export function attributeOfId(html: string, id: string, attribute: string): string | undefined {
  for (const m of html.matchAll(/<[a-zA-Z][^>]*>/g)) {
    const a = attributes(m[0]);
    if (a['id'] === id) return a[attribute.toLowerCase()];
  }
  return undefined;
}

/** The page's visible text, roughly (tags and scripts dropped). */
export function pageText(html: string): string {
  return stripTags(html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ''));
}

/** A `#id` selector's id, or undefined for anything richer (browserless runs know ids only). */
export function idOfSelector(selector: string): string | undefined {
  return /^#([A-Za-z][-A-Za-z0-9_:.]*)$/.exec(selector.trim())?.[1];
}
