/**
 * The page frame of the bench IdP: plain server-rendered HTML in Italian, inline CSS, no external
 * asset (no font, image or script from elsewhere), so pages work offline and in any browser test.
 * Every page carries `data-page` on <body> (a stable page id for tests and the scenario runner).
 */
export function h(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const CSS = `
body{font-family:"Titillium Web",Arial,sans-serif;margin:0;background:#f2f5f8;color:#17324d}
header{background:#06c;color:#fff;padding:12px 24px;font-size:18px}
header small{display:block;font-size:12px;opacity:.85}
main{max-width:640px;margin:24px auto;background:#fff;padding:24px 32px;border-radius:4px}
h1{font-size:24px;margin-top:0}
.btn{display:inline-block;background:#06c;color:#fff;border:0;padding:10px 20px;margin:6px 8px 6px 0;font-size:16px;border-radius:4px;cursor:pointer;text-decoration:none}
.btn.secondary{background:#fff;color:#06c;border:1px solid #06c}
.error{color:#d9364f;font-weight:bold}
.note{font-size:13px;color:#5c6f82}
table{border-collapse:collapse}td{padding:4px 12px 4px 0}
input[type=text]{font-size:18px;padding:6px;width:220px;text-transform:uppercase}
.qr{display:inline-block;position:relative}.qr svg{width:240px;height:240px}
.overlay{position:absolute;inset:0;background:rgba(255,255,255,.95);display:flex;align-items:center;justify-content:center;text-align:center;font-weight:bold}
.overlay[hidden]{display:none}
footer{text-align:center;font-size:12px;color:#5c6f82;margin:16px}`;

export interface PageSpec {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  /** Inline script (the QR page's countdown and polling). */
  readonly script?: string;
  readonly head?: string;
}

export function page(p: PageSpec): string {
  return (
    `<!DOCTYPE html><html lang="it"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${h(p.title)} - CIE ID</title><style>${CSS}</style>${p.head ?? ''}</head>` +
    `<body data-page="${h(p.id)}"><header>Entra con CIE<small>Carta d'Identità Elettronica - ` +
    `Ministero dell'Interno (ambiente di TEST CIE Bench)</small></header>` +
    `<main>${p.body}</main><footer>CIE Bench: identity provider di prova, dati sintetici</footer>` +
    (p.script ? `<script>${p.script}</script>` : '') +
    `</body></html>`
  );
}

/** A form posting `fields` to `action` with one button per `buttons` entry (name=`scelta`). */
export function form(
  action: string,
  fields: Readonly<Record<string, string>>,
  buttons: readonly { value: string; label: string; secondary?: boolean }[],
  extra = '',
): string {
  const hidden = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${h(k)}" value="${h(v)}">`)
    .join('');
  const btns = buttons
    .map(
      (b) =>
        `<button class="btn${b.secondary ? ' secondary' : ''}" type="submit" name="scelta" value="${h(b.value)}">${h(b.label)}</button>`,
    )
    .join('');
  return `<form method="post" action="${h(action)}">${hidden}${extra}<div>${btns}</div></form>`;
}
