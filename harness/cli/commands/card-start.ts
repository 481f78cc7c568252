/**
 * `ciebench card start [--card card.json] [--vpcd host:port] [--nfc ws://127.0.0.1:PORT]`: runs a
 * card until stopped, says where it is reachable, and logs one line per APDU (PIN/PUK masked).
 * Without arguments (what `npm start` ran before `ciebench start`, which places its card the same
 * way) the default card goes into the CIE Bench virtual reader (or Debian's vpcd) when pcscd is
 * there — with instructions when it is not — and onto the NFC endpoint. Several `--vpcd` options (and `--vpcd-listen`) put one card in each reader (cards from
 * `--card` in order, then fresh default cards); the listener comes first, the NFC endpoint serves
 * the first card. `--trace <file>` records every exchange of the cards at the card boundary
 * (emulator side: wire and plain forms of protected exchanges; card i > 1 in `<file>-<i>`).
 */
import { HostError } from '../../../emulator/src/host-error.ts';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { z } from 'zod';
import { describeSw, swFromResponse } from '../../../emulator/src/apdu/status-words.ts';
import { fromHex, HexFormatError, toHex } from '../../../emulator/src/bytes/hex.ts';
import type { Card } from '../../../emulator/src/card/card.ts';
import { readCardImage } from '../../../emulator/src/state/image-file.ts';
import { cieRecipe, resolveCardSpec } from '../../cards/card-registry.ts';
import { FaultListSchema, type FaultInput } from '../../nfc/faults.ts';
import { IsoDepConfigSchema, type IsoDepConfigInput } from '../../nfc/iso-dep-config.ts';
import { NFC_PROTOCOL } from '../../nfc/protocol.ts';
import { pcscSystemStatus, setupAdvice, type PcscSystemStatus } from '../../pcsc/pcsc-env.ts';
import { CardHost, observable, type Endpoint } from '../../transport/card-host.ts';
import {
  CIEBENCH_READER,
  DEBIAN_VPCD,
  NFC_WS_PORT,
  QUICKACK_ADDRESS,
  readerName,
} from '../../transport/endpoints.ts';
import { formatExchange, formatNote, formatPower } from '../../transport/live-log.ts';
import { FileSink, TraceWriter } from '../../../traces/format/write.ts';
import { attachRecorder } from '../../../traces/record/card-recorder.ts';
import { CARD_SPEC_HELP, commandGroup } from '../cli-kit.ts';

export class CardStartError extends HostError {
  readonly code = 'CARD_START_OPTION';
}

const hostPort = z.string().regex(/^[0-9.]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:35980');

/** `host:port`; port 0 (a free port, announced when listening) only where the bench listens. */
export function parseEndpoint(text: string, what: string, listening = false): Endpoint {
  const r = hostPort.safeParse(text);
  if (!r.success)
    throw new CardStartError(`${what} '${text}': ${r.error.issues[0]?.message ?? 'invalid'}`);
  const [host, port] = [
    text.slice(0, text.lastIndexOf(':')),
    Number(text.slice(text.lastIndexOf(':') + 1)),
  ];
  if (port < (listening ? 0 : 1) || port > 65535)
    throw new CardStartError(`${what} '${text}': port out of range`);
  return { host, port };
}

export function parseNfcUrl(text: string): Endpoint {
  const m = /^ws:\/\/([0-9.]+):(\d{1,5})\/?$/.exec(text);
  if (!m) throw new CardStartError(`--nfc '${text}': expected ws://127.0.0.1:PORT`);
  return parseEndpoint(`${m[1]}:${m[2]}`, '--nfc', true);
}

function readJson<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CardStartError(`${what} ${file}: ${(e as Error).message}`);
  }
  const r = schema.safeParse(json);
  if (!r.success)
    throw new CardStartError(
      `${what} ${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

/** Where `npm start` puts the card when no --vpcd is given. */
export function defaultVpcd(s: PcscSystemStatus): {
  endpoint?: Endpoint;
  /** The reader's name in pcscd (with `endpoint`). */
  reader?: string;
  text: string;
} {
  if (!s.pcscdRunning) return { text: 'no PC/SC reader: pcscd is not running' };
  if (s.driverInstalled)
    return {
      endpoint: { host: '127.0.0.1', port: CIEBENCH_READER.port },
      reader: readerName(CIEBENCH_READER),
      text: `PC/SC reader '${readerName(CIEBENCH_READER)}' (CIE Bench driver)`,
    };
  if (s.vpcdInstalled) {
    const host = s.quickack ? QUICKACK_ADDRESS : '127.0.0.1';
    const slow = s.quickack
      ? ''
      : ' — expect ~44-88 ms per APDU until `ciebench reader quickack` or `ciebench reader install`';
    return {
      endpoint: { host, port: DEBIAN_VPCD.port },
      reader: readerName(DEBIAN_VPCD),
      text: `PC/SC reader '${readerName(DEBIAN_VPCD)}' (Debian vpcd${s.quickack ? ', quickack route' : ''})${slow}`,
    };
  }
  return { text: 'no PC/SC reader: neither the CIE Bench driver nor vsmartcard-vpcd is installed' };
}

interface StartOptions {
  card: string[];
  vpcd: string[];
  pcsc: boolean;
  vpcdListen?: string;
  nfc: string | false;
  nfcCards: string;
  isodep?: string;
  faults?: string;
  showSecrets?: boolean;
  quiet?: boolean;
  stdin?: boolean;
  trace?: string;
}

interface LoadedCard {
  readonly card: Card;
  readonly profileId: string;
  readonly description: string;
  readonly fresh: () => Card | Promise<Card>;
  readonly secrets?: { pin: string; puk: string; can: string };
  /** The image file the card runs from, if any. */
  readonly imagePath?: string;
}

async function loadCard(spec: string | undefined): Promise<LoadedCard> {
  const recipe = resolveCardSpec(spec ?? 'default');
  const image = recipe.image;
  const persistent = recipe.open !== undefined;
  return {
    card: recipe.open ? recipe.open() : recipe.create(),
    profileId: recipe.personality,
    description: persistent
      ? `${recipe.description} (PIN/PUK state persisted in the file)`
      : recipe.description,
    // For an image file, a copy of the image as it is when the session starts (a blocked PIN stays
    // blocked), kept in memory: what happens in the session is never written back (see
    // freshImageWarning).
    fresh: () =>
      recipe.imagePath
        ? cieRecipe(recipe.spec, readCardImage(recipe.imagePath), recipe.personality).create()
        : recipe.create(),
    ...(recipe.imagePath ? { imagePath: recipe.imagePath } : {}),
    ...(image
      ? {
          secrets: {
            pin: image.state.pin.value,
            puk: image.state.puk.value,
            can: image.citizen.can,
          },
        }
      : {}),
  };
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/** What `--nfc-cards fresh --card FILE` does to the retry counters, said before it happens. */
export function freshImageWarning(file: string): string {
  return (
    `warning: --nfc-cards fresh with --card ${file}: every NFC session gets its own in-memory copy of the card ` +
    `as the image is when the session starts; PIN/PUK tries made over NFC are forgotten when the session ends ` +
    `and never written to ${file}, so NFC clients can guess the PIN without limit. ` +
    `Use --nfc-cards shared (the default) to test retry counters over NFC.`
  );
}

/** Per-APDU and power lines for a card, tagged with where the card currently is. */
function watch(
  card: Card,
  tagged: { where: string },
  o: Pick<StartOptions, 'quiet' | 'showSecrets'>,
): void {
  let seq = 0;
  observable(card)?.observe({
    exchange: (e) =>
      void (
        o.quiet ||
        out(formatExchange(tagged.where, ++seq, e, { revealSecrets: o.showSecrets ?? false }))
      ),
    power: (e) => void (o.quiet || out(formatPower(tagged.where, e))),
  });
}

/** `--trace`: the card's exchanges recorded at the card boundary into `file` (card 1) or `file-<n>`. */
function traceCard(
  i: number,
  loaded: LoadedCard,
  transport: 'vpcd' | 'ws-nfc',
  o: StartOptions,
): FileSink | undefined {
  const card = observable(loaded.card);
  if (!o.trace || !card) return undefined;
  const file = i === 0 ? o.trace : `${o.trace}-${i + 1}`;
  const sink = new FileSink(file);
  attachRecorder(card, new TraceWriter(sink.write), {
    profile: loaded.profileId,
    transport,
    revealSecrets: o.showSecrets ?? false,
    description: loaded.description,
  });
  out(`  trace: ${file} (${o.showSecrets ? 'secrets revealed' : 'PIN/PUK masked'})`);
  return sink;
}

/** Where one card sits in a PC/SC reader: a vpcd slot it connects to, or a listener (reversed). */
type Placement = { readonly vpcd: Endpoint } | { readonly listen: Endpoint };

interface Plan {
  readonly placements: readonly Placement[];
  readonly nfc: Endpoint | undefined;
  readonly isoDep: IsoDepConfigInput | undefined;
  readonly faults: FaultInput[] | undefined;
}

/** Options → endpoints; without --vpcd, the reader `npm start` should use (and what is missing). */
async function plan(o: StartOptions): Promise<Plan> {
  const listen = o.vpcdListen ? parseEndpoint(o.vpcdListen, '--vpcd-listen', true) : undefined;
  let vpcds = o.vpcd.map((v) => parseEndpoint(v, '--vpcd'));
  if (o.vpcd.length === 0 && !listen && o.pcsc) {
    const status = await pcscSystemStatus();
    const d = defaultVpcd(status);
    out(`PC/SC: ${d.text}`);
    if (d.endpoint) vpcds = [d.endpoint];
    for (const a of setupAdvice(status)) out(`  to do: ${a}`);
  }
  const placements: Placement[] = o.pcsc
    ? [...(listen ? [{ listen }] : []), ...vpcds.map((vpcd) => ({ vpcd }))]
    : [];
  return {
    placements,
    nfc: o.nfc === false ? undefined : parseNfcUrl(o.nfc),
    isoDep: o.isodep ? readJson(o.isodep, IsoDepConfigSchema, '--isodep') : undefined,
    faults: o.faults ? readJson(o.faults, FaultListSchema, '--faults') : undefined,
  };
}

/** Card i of the run on its reader placement; the NFC endpoint goes to card 0. */
async function hostCard(
  i: number,
  loaded: LoadedCard,
  p: Plan,
  o: StartOptions,
  sinks: FileSink[],
): Promise<CardHost> {
  const placement = p.placements[i];
  const vpcd = placement && 'vpcd' in placement ? placement.vpcd : undefined;
  const listen = placement && 'listen' in placement ? placement.listen : undefined;
  const tagged = { where: vpcd ? `vpcd:${vpcd.port}` : listen ? `vpcd:${listen.port}` : 'card' };
  watch(loaded.card, tagged, o);
  let freshCount = 0;
  const freshCard = async (): Promise<Card> => {
    const c = await loaded.fresh();
    watch(c, { where: `nfc(fresh ${++freshCount})` }, o);
    return c;
  };
  const host = new CardHost({
    card: loaded.card,
    description: loaded.description,
    ...(vpcd ? { vpcd } : {}),
    ...(listen ? { vpcdListen: listen } : {}),
    ...(i === 0 && p.nfc
      ? { nfc: p.nfc, nfcCards: o.nfcCards === 'fresh' ? 'fresh' : 'shared', freshCard }
      : {}),
    ...(p.isoDep ? { isoDep: p.isoDep } : {}),
    ...(p.faults ? { faults: p.faults } : {}),
    onLine: (tag, text) => out(formatNote(tag, text)),
    onWhere: (tag) => (tagged.where = tag),
  });
  const a = await host.start();
  out(`card ${i + 1}: ${loaded.description}`);
  out(`  ATR ${toHex(loaded.card.atr, ' ')}`);
  if (a.vpcd && vpcd) out(`  PC/SC: inserted into the vpcd slot at ${a.vpcd}${readerFor(vpcd)}`);
  if (a.vpcdListen) out(`  PC/SC (reversed mode): listening for a reader at ${a.vpcdListen}`);
  if (a.nfc)
    out(
      `  NFC: ${a.nfc}  (${NFC_PROTOCOL}, harness/nfc/PROTOCOL.md; ${o.nfcCards === 'fresh' ? 'a fresh card per session' : 'one session at a time, the card leaves the PC/SC reader meanwhile'})`,
    );
  const sink = traceCard(i, loaded, vpcd || listen ? 'vpcd' : 'ws-nfc', o);
  if (sink) sinks.push(sink);
  if (loaded.secrets)
    out(
      `  TEST secrets: ${o.showSecrets ? `PIN ${loaded.secrets.pin}  PUK ${loaded.secrets.puk}  CAN ${loaded.secrets.can}` : 'PIN/PUK/CAN masked (--show-secrets, or ciebench card show)'}`,
    );
  return host;
}

async function start(o: StartOptions): Promise<void> {
  const p = await plan(o);
  const hosts: CardHost[] = [];
  const sinks: FileSink[] = [];
  let first: LoadedCard | undefined;
  for (let i = 0; i < Math.max(1, p.placements.length, o.card.length); i++) {
    const loaded = await loadCard(o.card[i]);
    if (i === 0 && o.nfcCards === 'fresh' && p.nfc && loaded.imagePath)
      process.stderr.write(`${freshImageWarning(loaded.imagePath)}\n`);
    first ??= loaded;
    hosts.push(await hostCard(i, loaded, p, o, sinks));
  }
  out(`log: one line per APDU${o.showSecrets ? '' : ', PIN/PUK values masked'}; Ctrl-C to stop`);
  const stop = async (): Promise<void> => {
    for (const h of hosts) await h.stop();
    for (const t of sinks) await t.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  if (o.stdin && first) await stdinShell(await first.fresh());
}

function readerFor(e: Endpoint): string {
  if (e.port >= CIEBENCH_READER.port && e.port < CIEBENCH_READER.port + CIEBENCH_READER.slots)
    return ` ('${readerName(CIEBENCH_READER, e.port - CIEBENCH_READER.port)}')`;
  if (e.port >= DEBIAN_VPCD.port && e.port < DEBIAN_VPCD.port + DEBIAN_VPCD.slots)
    return ` ('${readerName(DEBIAN_VPCD, e.port - DEBIAN_VPCD.port)}')`;
  return '';
}

/** A separate in-memory instance of the first card, answering hex APDUs from standard input. */
async function stdinShell(card: Card): Promise<void> {
  out(
    'stdin: type a command APDU in hex per line (in-process, a separate card instance); Ctrl-D ends the shell',
  );
  card.powerOn();
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    try {
      const rsp = card.transmit(fromHex(line));
      out(`${toHex(rsp, ' ')}  (${describeSw(swFromResponse(rsp)).name})`);
    } catch (e) {
      if (!(e instanceof HexFormatError)) throw e;
      out(`not hex: ${e.message}`);
    }
  }
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

export function register(program: Command): void {
  commandGroup(program, 'card')
    .command('start')
    .description(
      'run a card on the virtual PC/SC reader and the NFC endpoint until stopped, logging one line per APDU',
    )
    .option(
      '--card <card>',
      `${CARD_SPEC_HELP}; an image file keeps its PIN/PUK state. Repeat for several cards, one per --vpcd`,
      collect,
      [],
    )
    .option(
      '--vpcd <host:port>',
      `insert the card into this vpcd reader slot (repeatable). Default: ${CIEBENCH_READER.port} (CIE Bench driver) or ${DEBIAN_VPCD.port} (Debian vpcd) when pcscd runs`,
      collect,
      [],
    )
    .option('--no-pcsc', 'no PC/SC reader (NFC endpoint only)')
    .option(
      '--vpcd-listen <host:port>',
      'reversed mode: listen for a reader (CIE Bench driver /connect, upstream vpcd, phone relays)',
    )
    .option('--nfc <url>', 'WebSocket NFC endpoint', `ws://127.0.0.1:${NFC_WS_PORT}`)
    .option('--no-nfc', 'no NFC endpoint')
    .option(
      '--nfc-cards <mode>',
      "'shared': the card itself, one session at a time; 'fresh': a new card per session",
      'shared',
    )
    .option(
      '--isodep <file>',
      'ISO-DEP parameters, JSON (uid, fsci, fwi, maxTransceiveLength, …; harness/nfc/README.md)',
    )
    .option(
      '--faults <file>',
      'fault plan for contactless sessions, JSON array (harness/nfc/PROTOCOL.md)',
    )
    .option('--show-secrets', 'show PIN/PUK values in the log and print the TEST secrets')
    .option('--quiet', 'no per-APDU log lines')
    .option(
      '--stdin',
      'also answer hex APDUs typed on standard input (in-process, separate card instance)',
    )
    .option(
      '--trace <file>',
      'record every exchange at the card boundary (JSON Lines trace; PIN/PUK masked unless --show-secrets)',
    )
    .action(async (opts: StartOptions) => {
      if (opts.nfcCards !== 'shared' && opts.nfcCards !== 'fresh')
        throw new CardStartError(`--nfc-cards must be 'shared' or 'fresh'`);
      await start(opts);
    });
}
