// CIE Bench control dashboard: plain browser JavaScript, no framework, no external asset.
// The token comes from the URL fragment (#token=…), which browsers never send to a server; the
// page keeps it in this tab's session storage and removes it from the address bar.
'use strict';

const TOKEN_KEY = 'ciebench-control-token';
const MAX_ENTRIES = 5000;

const $ = (id) => document.getElementById(id);

function readToken() {
  const m = /(?:^|[#&])token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, m[1]);
    history.replaceState(null, '', location.pathname + location.search);
    return m[1];
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const token = readToken();
const cards = new Map();
const sessions = new Map();
const runs = new Map();
/** The bench's readers outside the process (GET /api/readers; none without `ciebench start`). */
let benchReaders = [];
/** The steps of each run as they ended (journey-step events), by run id. */
const runSteps = new Map();
let paused = false;
let held = [];
let exchanges = 0;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function notice(text) {
  const n = $('notice');
  n.textContent = text;
  n.hidden = !text;
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    notice(`${method} ${path}: ${res.status} ${data.message || data}`);
    throw new Error(data.message || String(res.status));
  }
  notice('');
  return data;
}

// ---- cards -----------------------------------------------------------------------------------

function counter(name, c) {
  if (!c) return el('span', {}, `${name} —`);
  const text = c.blocked ? `${name} BLOCKED` : `${name} ${c.remaining}/${c.max}`;
  return el(
    'span',
    { class: c.blocked ? 'blocked' : '', 'data-testid': `${name.toLowerCase()}` },
    text,
  );
}

function cardButton(label, testid, action) {
  return el(
    'button',
    { type: 'button', 'data-testid': testid, onclick: () => action().catch(() => undefined) },
    label,
  );
}

/** The reader faults a person sets with a number n (PUT …/faults). */
const FAULT_LABELS = {
  stallAfter: 'stall after',
  removeAfter: 'card lost after',
  fieldOffAt: 'field off at',
  corruptAt: 'answer corrupted at',
};

/** Sets one fault with its n, keeping the delay; "Clear" drops all but the delay. */
function faultForm(c) {
  const kind = el(
    'select',
    { 'data-testid': 'fault-kind' },
    ...Object.entries(FAULT_LABELS).map(([k, label]) => el('option', { value: k }, `${label} n`)),
  );
  const n = el('input', {
    type: 'number',
    min: '0',
    value: '5',
    'data-testid': 'fault-n',
    class: 'fault-n',
  });
  const delayMs = c.state.faults.delayMs;
  return el(
    'div',
    { class: 'faults' },
    'fault: ',
    kind,
    ' n = ',
    n,
    ' ',
    cardButton('Set', 'fault-set', () =>
      api('PUT', `/api/cards/${c.id}/faults`, {
        ...c.state.faults,
        delayMs,
        [kind.value]: Number(n.value),
      }),
    ),
    cardButton('Clear faults', 'fault-clear', () =>
      api('PUT', `/api/cards/${c.id}/faults`, { delayMs }),
    ),
  );
}

const READER_LABELS = { vpcd: 'virtual PC/SC reader', nfc: 'NFC endpoint' };

/** Where the card is among the bench readers: a choice that moves it (the holder leaves). */
function placementSelect(c) {
  const names = benchReaders.map((r) => r.reader);
  const now = names.filter((r) => c.state.places.some((p) => p.startsWith(READER_LABELS[r])));
  const choices = [[], ...names.map((r) => [r]), ...(names.length > 1 ? [names] : [])];
  const select = el(
    'select',
    {
      'data-testid': 'placement',
      onchange: (ev) =>
        api('PUT', `/api/cards/${c.id}/readers`, { readers: JSON.parse(ev.target.value) })
          .then(loadReaders)
          // Refused (the notice says why): show where the card really is.
          .catch(() => renderCard(cards.get(c.id) ?? c)),
    },
    ...choices.map((ch) =>
      el(
        'option',
        { value: JSON.stringify(ch), ...(ch.join() === now.join() ? { selected: '' } : {}) },
        ch.length ? `in: ${ch.map((r) => READER_LABELS[r]).join(' + ')}` : 'in no bench reader',
      ),
    ),
  );
  return el('div', { class: 'placement' }, 'bench readers: ', select);
}

async function loadReaders() {
  benchReaders = await api('GET', '/api/readers');
  for (const c of cards.values()) renderCard(c);
}

function renderCard(c) {
  cards.set(c.id, c);
  const s = c.state;
  const old = document.querySelector(`[data-card="${c.id}"]`);
  const stalled = s.stalledSessions ? ` · reader stalled (${s.stalledSessions})` : '';
  const faults =
    (s.faults.delayMs ? ` · delay ${s.faults.delayMs} ms` : '') +
    Object.entries(FAULT_LABELS)
      .filter(([k]) => s.faults[k] !== undefined)
      .map(([k, label]) => ` · ${label} ${s.faults[k]}`)
      .join('');
  const node = el(
    'div',
    { class: `card ${s.reader}`, 'data-card': c.id, 'data-testid': `card-${c.id}` },
    el('div', { class: 'title' }, `${c.id} · ${c.spec} (${c.personality})`),
    el('div', { class: 'desc' }, c.description),
    ...(s.apps.length
      ? [
          el(
            'div',
            { class: 'places', 'data-testid': 'apps' },
            `registered in: ${s.apps.map((a) => `${a.app} (since ${a.since.slice(11, 19)})`).join(' · ')}`,
          ),
        ]
      : []),
    ...(benchReaders.length ? [placementSelect(c)] : []),
    ...(s.places.length
      ? [
          el(
            'div',
            { class: 'places', 'data-testid': 'places' },
            `also on: ${s.places.join(' · ')}`,
          ),
        ]
      : []),
    el(
      'div',
      { 'data-testid': 'reader-state' },
      `reader: ${s.reader === 'inserted' ? 'card inserted' : 'card removed'} · ${s.powered ? 'powered' : 'unpowered'} · ${s.exchanges} APDUs${stalled}${faults}`,
    ),
    faultForm(c),
    el(
      'div',
      { class: 'counters' },
      counter('PIN', s.pin),
      counter('PUK', s.puk),
      ...(s.certificate
        ? [
            el(
              'span',
              {
                class: s.certificate.status === 'valid' ? '' : 'blocked',
                'data-testid': 'certificate',
                title: `serial ${s.certificate.serial}, valid until ${s.certificate.notAfter}`,
              },
              `certificate ${s.certificate.status}`,
            ),
          ]
        : []),
    ),
    el(
      'div',
      { class: 'buttons' },
      // The IAS login and the tries need a CIE: the generic test cards have no PIN.
      ...(s.pin
        ? [cardButton('IAS login', 'login', () => api('POST', `/api/cards/${c.id}/ias-login`, {}))]
        : []),
      cardButton('Reset', 'reset', () => api('POST', `/api/cards/${c.id}/reset`)),
      cardButton('Remove', 'remove', () => api('POST', `/api/cards/${c.id}/remove`)),
      cardButton('Insert', 'insert', () => api('POST', `/api/cards/${c.id}/insert`)),
      ...(s.pin
        ? [
            cardButton('Block PIN', 'block-pin', () =>
              api('PUT', `/api/cards/${c.id}/tries`, { pin: 0 }),
            ),
            cardButton('Restore tries', 'restore-tries', () =>
              api('PUT', `/api/cards/${c.id}/tries`, { pin: s.pin.max, puk: s.puk.max }),
            ),
          ]
        : []),
      cardButton(s.faults.delayMs ? 'Fast reader' : 'Slow reader', 'slow', () =>
        api('PUT', `/api/cards/${c.id}/faults`, { delayMs: s.faults.delayMs ? 0 : 250 }),
      ),
      ...(s.certificate
        ? [
            s.certificate.status === 'revoked'
              ? cardButton('Release revocation', 'unrevoke', () =>
                  api('PUT', `/api/cards/${c.id}/certificate`, { status: 'valid' }),
                )
              : cardButton('Revoke certificate', 'revoke', () =>
                  api('PUT', `/api/cards/${c.id}/certificate`, { status: 'revoked' }),
                ),
          ]
        : []),
      ...(s.pin ? [cardButton('Export image', 'export', () => exportImage(c.id))] : []),
    ),
  );
  if (old) {
    // A state change must not wipe what the person is typing in the fault form.
    for (const id of ['fault-kind', 'fault-n']) {
      const was = old.querySelector(`[data-testid="${id}"]`);
      const now = node.querySelector(`[data-testid="${id}"]`);
      if (was && now) now.value = was.value;
    }
    old.replaceWith(node);
  } else $('cards').append(node);
}

async function exportImage(id) {
  const text = await api('GET', `/api/cards/${id}/image`);
  const blob = new Blob([typeof text === 'string' ? text : JSON.stringify(text, null, 2)], {
    type: 'application/json',
  });
  const a = el('a', { href: URL.createObjectURL(blob), download: `${id}.json` });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function renderSession(s) {
  sessions.set(s.id, s);
  const old = document.querySelector(`[data-session="${s.id}"]`);
  const st = s.status;
  const text =
    st.kind === 'failed'
      ? `failed: ${st.code} — ${st.message}`
      : st.kind === 'passed'
        ? 'passed'
        : 'running…';
  const node = el(
    'li',
    { 'data-session': s.id, 'data-status': st.kind, 'data-testid': `session-${s.id}` },
    `${s.id} ${s.flow} (${s.style}) on ${s.card}: `,
    el('span', { class: st.kind }, text),
  );
  if (old) old.replaceWith(node);
  else $('sessions').prepend(node);
}

// ---- APDU log --------------------------------------------------------------------------------

function matches(node) {
  const f = $('filter').value.trim().toLowerCase();
  return !f || node.textContent.toLowerCase().includes(f);
}

function addEntry(a) {
  const isExchange = 'exchange' in a.item;
  if (isExchange) exchanges++;
  const node = el(
    'div',
    { class: `entry ${isExchange ? 'exchange' : 'event'}`, 'data-card': a.card },
    [`[${a.card}] ${a.lines[0] ?? ''}`, ...a.lines.slice(1)].join('\n'),
  );
  if (!matches(node)) node.classList.add('hidden');
  const log = $('log');
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  log.append(node);
  while (log.childElementCount > MAX_ENTRIES) log.firstElementChild.remove();
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function countText() {
  const wait = held.length ? ` · paused, ${held.length} waiting` : paused ? ' · paused' : '';
  $('log-count').textContent = `${exchanges} exchanges${wait}`;
}

function onApdu(a) {
  if (paused) held.push(a);
  else addEntry(a);
  countText();
}

function setupLog() {
  $('filter').addEventListener('input', () => {
    for (const n of $('log').children) n.classList.toggle('hidden', !matches(n));
  });
  $('pause').addEventListener('click', () => {
    paused = !paused;
    $('pause').textContent = paused ? 'Resume' : 'Pause';
    if (!paused) {
      for (const a of held) addEntry(a);
      held = [];
    }
    countText();
  });
  $('clear').addEventListener('click', () => {
    $('log').replaceChildren();
    held = [];
    exchanges = 0;
    countText();
  });
}

// ---- journeys --------------------------------------------------------------------------------

async function openReport(id) {
  const html = await api('GET', `/api/journeys/runs/${id}/report.html`);
  const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
  window.open(url, '_blank');
}

/** Opens a run's file in a new tab (fetched with the token: a plain link would carry none). */
async function openArtefact(id, path) {
  const res = await fetch(`/api/journeys/runs/${id}/artefact?path=${encodeURIComponent(path)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) return notice(`${path}: ${res.status}`);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  window.open(url, '_blank');
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Opens a SAML message the stream carried, as XML in a new tab. */
function openXml(xml) {
  const url = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
  window.open(url, '_blank');
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function linkButton(label, testid, action) {
  return el(
    'button',
    {
      type: 'button',
      class: 'link-button',
      'data-testid': testid,
      onclick: () => Promise.resolve(action()).catch(() => undefined),
    },
    label,
  );
}

function stepItem(runId, e) {
  const st = e.step;
  const item = el(
    'li',
    { 'data-step': String(st.index + 1), class: st.verdict },
    `${st.verdict === 'passed' ? 'ok' : 'FAIL'} ${st.index + 1}. ${st.text}${st.error ? ` — ${st.error}` : ''} (${st.durationMs} ms) `,
  );
  // What the phone showed during the step (the app agent's screen).
  if (st.artefacts.app)
    item.append(
      el(
        'span',
        { class: 'app-screen', 'data-testid': 'step-app' },
        `phone: ${st.artefacts.app.text} `,
      ),
    );
  if (st.artefacts.screenshot)
    item.append(
      linkButton('screenshot', 'step-screenshot', () =>
        openArtefact(runId, st.artefacts.screenshot),
      ),
    );
  for (const m of e.saml)
    item.append(
      ' ',
      linkButton(`SAML ${m.kind} (${m.binding})`, 'step-saml', () => openXml(m.xml)),
    );
  return item;
}

async function showArtefacts(id, node) {
  const list = await api('GET', `/api/journeys/runs/${id}/artefacts`);
  node.replaceChildren(
    ...list.map((a) =>
      el(
        'li',
        {},
        linkButton(a.path, 'artefact', () => openArtefact(id, a.path)),
        ` ${a.bytes} bytes`,
      ),
    ),
  );
}

function onJourneyStep(e) {
  const list = runSteps.get(e.run) ?? [];
  list.push(e);
  runSteps.set(e.run, list);
  const r = runs.get(e.run);
  if (r) renderRun(r);
}

function renderRun(r) {
  runs.set(r.id, r);
  const old = document.querySelector(`[data-run="${r.id}"]`);
  const st = r.status;
  const status =
    st.kind === 'finished'
      ? `${st.verdict}${st.reason ? ` — ${st.reason}` : ''}`
      : st.kind === 'error'
        ? `error — ${st.message}`
        : st.kind === 'cancelled'
          ? `cancelled after ${st.afterSteps} step${st.afterSteps === 1 ? '' : 's'}`
          : st.kind;
  const node = el(
    'li',
    { 'data-run': r.id, 'data-status': st.kind, 'data-testid': `run-${r.id}` },
    `${r.id} ${r.journey}: `,
    el('span', { class: st.kind === 'finished' ? st.verdict : st.kind }, status),
  );
  if (r.lastLine && st.kind === 'running') node.append(el('div', { class: 'desc' }, r.lastLine));
  if (st.kind === 'queued' || st.kind === 'running')
    node.append(
      ' ',
      cardButton('Cancel', 'cancel-run', () => api('DELETE', `/api/journeys/runs/${r.id}`)),
    );
  if (st.kind === 'finished')
    node.append(
      ' ',
      el(
        'button',
        {
          type: 'button',
          'data-testid': 'open-report',
          onclick: () => openReport(r.id).catch(() => undefined),
        },
        'Open report',
      ),
    );
  const steps = runSteps.get(r.id) ?? [];
  if (steps.length)
    node.append(
      el('ol', { class: 'steps', 'data-testid': 'steps' }, ...steps.map((e) => stepItem(r.id, e))),
    );
  if (st.kind !== 'queued' && st.kind !== 'running') {
    const files = el('ul', { class: 'artefacts', 'data-testid': 'artefacts' });
    node.append(
      ' ',
      cardButton('Files', 'list-artefacts', () => showArtefacts(r.id, files)),
      files,
    );
  }
  if (old) old.replaceWith(node);
  else $('runs').prepend(node);
}

async function loadCatalogue() {
  const list = await api('GET', '/api/journeys');
  $('journeys').replaceChildren(
    ...list.map((j) =>
      el(
        'li',
        { 'data-journey': j.id },
        el(
          'button',
          {
            type: 'button',
            'data-testid': `start-${j.id}`,
            onclick: () =>
              api('POST', '/api/journeys/runs', { journey: j.id }).then(renderRun, () => undefined),
          },
          'Start',
        ),
        ` ${j.id}${j.pending ? ' (pending)' : ''}`,
        el('div', { class: 'desc' }, j.title),
      ),
    ),
  );
}

// ---- login demo (ciebench start) -----------------------------------------------------------------

const phoneSeen = new Set();

function addPhoneEvent(e) {
  const key = `${e.at}|${e.text}`;
  if (phoneSeen.has(key)) return;
  phoneSeen.add(key);
  $('phone-events').prepend(
    el('li', { class: e.kind, 'data-kind': e.kind }, `${e.at.slice(11, 19)} ${e.text}`),
  );
  // The code shown is the one of the latest login: cleared when the phone scans a new QR.
  if (e.kind === 'scanned') $('demo-otp').textContent = '(the phone is reading the card…)';
  if (e.kind === 'failed') $('demo-otp').textContent = "(none: see the phone's screen below)";
  if (e.kind === 'otp' && e.otp) $('demo-otp').textContent = e.otp;
}

// The demo exists only when the bench was started with `ciebench start`: a 404 hides the panel.
async function loadDemo() {
  const res = await fetch('/api/demo', { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) return;
  const d = await res.json();
  $('demo-sp-link').href = d.spUrl;
  $('demo-serial').textContent = d.serial;
  for (const e of d.events) addPhoneEvent(e);
  $('demo-panel').hidden = false;
}

// ---- stream ----------------------------------------------------------------------------------

function onEvent(m) {
  switch (m.type) {
    case 'snapshot':
      $('cards').replaceChildren();
      for (const c of m.data.cards) renderCard(c);
      loadReaders().catch(() => undefined);
      for (const s of m.data.sessions) renderSession(s);
      for (const r of m.data.runs) renderRun(r);
      loadDemo().catch(() => undefined);
      break;
    case 'phone':
      addPhoneEvent(m.data);
      break;
    case 'card':
      cards.set(m.data.id, m.data);
      renderCard(m.data);
      break;
    case 'card-closed':
      document.querySelector(`[data-card="${m.data.id}"]`)?.remove();
      break;
    case 'apdu':
      onApdu(m.data);
      break;
    case 'session':
      renderSession(m.data);
      break;
    case 'journey':
      renderRun(m.data);
      break;
    case 'journey-step':
      onJourneyStep(m.data);
      break;
  }
}

function connect() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/api/stream`, [
    'ciebench.v1',
    `bearer.${token}`,
  ]);
  ws.onopen = () => {
    $('link').textContent = 'live';
    $('link').className = 'link up';
  };
  ws.onmessage = (e) => onEvent(JSON.parse(e.data));
  ws.onclose = () => {
    $('link').textContent = 'disconnected — reconnecting';
    $('link').className = 'link down';
    setTimeout(connect, 2000);
  };
}

function start() {
  setupLog();
  countText();
  if (!token) {
    notice('No token: open the URL the control server printed (it ends in #token=…).');
    return;
  }
  $('new-card').addEventListener('submit', (e) => {
    e.preventDefault();
    api('POST', '/api/cards', { spec: $('new-card-spec').value }).catch(() => undefined);
  });
  loadCatalogue().catch(() => undefined);
  connect();
}

start();
