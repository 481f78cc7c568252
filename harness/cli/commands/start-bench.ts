/**
 * The bench in one process (`ciebench start`, which `npm start` runs), all on loopback: one card
 * of the registry (the default card) on the virtual PC/SC reader when pcscd is there — chosen as
 * `ciebench card start` chooses it — and on the WebSocket NFC endpoint; the reference IdP; the
 * reference SP registered at it; the control API and dashboard managing that same card; and the
 * demo phone (the CieID app agent) that completes the phone's part of a hybrid login started from
 * the SP's "Entra con CIE" button.
 */
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { BenchError } from '../../../emulator/src/host-error.ts';
import { cieCardFromImage } from '../../../emulator/src/profiles/cie-card-image.ts';
import { resolveCardSpec } from '../../cards/card-registry.ts';
import { pcscSystemStatus, setupAdvice, type PcscSystemStatus } from '../../pcsc/pcsc-env.ts';
import type { Endpoint } from '../../transport/card-host.ts';
import { BenchReaders } from '../../../scenarios/control/bench-readers.ts';
import { NfcCardReader, InProcessCardReader } from '../../../scenarios/app/card-reader.ts';
import { startIdp, type RunningIdp } from '../../../scenarios/idp/server.ts';
import {
  startServiceProvider,
  type ServiceProvider,
} from '../../../scenarios/sp/service-provider.ts';
import { startControlServer, type ControlServer } from '../../../scenarios/control/server.ts';
import { DemoPhone, type PhoneEvent } from '../../../scenarios/control/demo.ts';
import { defaultVpcd, parseNfcUrl } from './card-start.ts';

export interface BenchOptions {
  /** Card of the registry grammar (default: `default`); the demo needs a CIE (a PIN). */
  readonly card: string;
  /** Control server port (0: any free port). */
  readonly port: number;
  /** The NFC endpoint (`ws://127.0.0.1:PORT`), or false for none (the phone then uses the card in-process). */
  readonly nfc: string | false;
  /** Look for pcscd and put the card into the bench's virtual reader. */
  readonly pcsc: boolean;
  readonly reportRoot: string;
  readonly showSecrets: boolean;
  /** How often the IdP's QR page asks whether the phone has signed (ms). */
  readonly qrPollMs: number;
}

export interface RunningBench {
  readonly control: ControlServer;
  readonly idp: RunningIdp;
  readonly sp: ServiceProvider;
  readonly phone: DemoPhone;
  /** The SP page with the "Entra con CIE" button. */
  readonly spUrl: string;
  readonly nfcUrl: string | undefined;
  /** Where the card is on PC/SC (the reader's line), or why it is not. */
  readonly pcscLine: string | undefined;
  readonly serial: string;
  close(): Promise<void>;
}

/** The citizen points the phone at the QR a moment after it appears (see DemoPhone). */
export const SCAN_DELAY_MS = 1500;

export const benchFlagsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  qrPoll: z.coerce.number().int().min(100).max(60_000),
});

/**
 * Where the card goes on PC/SC — the reader `ciebench card start` would choose — and the one line
 * said about it: the reader, or what is missing (then the bench goes on without PC/SC).
 */
export function pcscPlacement(status: PcscSystemStatus): { endpoint?: Endpoint; line: string } {
  const d = defaultVpcd(status);
  if (d.endpoint) return { endpoint: d.endpoint, line: `PC/SC: ${d.text}` };
  const advice = setupAdvice(status);
  return {
    line: `PC/SC: ${d.text} — going on without it${advice.length ? `; to do: ${advice.join('; ')}` : ''}`,
  };
}

/** Starts everything; stops what started when a later part fails. */
export async function startBench(
  o: BenchOptions,
  say: (line: string) => void,
): Promise<RunningBench> {
  const recipe = resolveCardSpec(o.card);
  const image = recipe.image;
  if (!image)
    throw new BenchError(
      'START_CARD',
      `--card ${o.card}: the login demo needs a CIE with a PIN, not a generic test card`,
      'input',
    );
  const nfcEndpoint = o.nfc === false ? undefined : parseNfcUrl(o.nfc);
  const cie = cieCardFromImage(image, { profile: recipe.personality });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const control = await startControlServer({
      port: o.port,
      reportRoot: o.reportRoot,
      showSecrets: o.showSecrets,
    });
    stops.push(() => control.close());
    const managed = control.station.card(
      control.station.adoptCard(recipe, { card: cie.card, secrets: cie.secrets }).id,
    );

    const pcsc = o.pcsc ? pcscPlacement(await pcscSystemStatus()) : undefined;
    // The bench's readers; the dashboard can move cards between them. The card starts in both.
    const readers = new BenchReaders({
      ...(pcsc?.endpoint ? { vpcd: pcsc.endpoint } : {}),
      ...(nfcEndpoint ? { nfc: nfcEndpoint } : {}),
      onLine: (tag, text) => say(`[${tag}] ${text}`),
    });
    control.station.attachReaders(readers);
    await readers.place(managed, readers.available).catch((e: unknown) => {
      throw (e as { code?: string }).code === 'EADDRINUSE' && o.nfc !== false
        ? new BenchError(
            'START_NFC_PORT',
            `the NFC endpoint's address ${o.nfc} is in use (another \`ciebench start\` or \`ciebench card start\`?): stop it, or pass --nfc ws://127.0.0.1:0 (any free port) or --no-nfc`,
            'environment',
          )
        : e;
    });
    const nfcUrl = readers.nfcUrl;

    const idp = await startIdp({ timers: { qrPollMs: o.qrPollMs } });
    stops.push(() => idp.close());
    const sp = await startServiceProvider({}, { idpMetadataXml: idp.metadata() });
    stops.push(() => sp.close());
    const reg = idp.registerSp(sp.metadataXml);
    if (!reg.registered)
      throw new BenchError('START_SP', `the IdP refused the reference SP: ${reg.report}`);

    const reader = nfcUrl
      ? new NfcCardReader(nfcUrl)
      : new InProcessCardReader(cie.card, recipe.description);
    const phone = new DemoPhone({
      idp,
      reader,
      image,
      pin: () => cie.secrets.read().pin.value,
      scanDelayMs: SCAN_DELAY_MS,
      emit: (e: PhoneEvent) => {
        control.station.emit({ type: 'phone', data: e });
        if (e.kind === 'ready')
          managed.noteApp({ app: 'demo phone (CieID app agent)', since: e.at });
        say(`phone: ${e.text}`);
      },
    });
    stops.push(() => phone.close());
    const spUrl = `${sp.urls.base}/`;
    control.station.attachDemo(() => ({
      spUrl,
      serial: phone.serial,
      idpUrl: idp.urls.base,
      ...(nfcUrl ? { nfcUrl } : {}),
      events: phone.events,
    }));
    const pcscLine = pcsc?.line;
    return {
      control,
      idp,
      sp,
      phone,
      spUrl,
      nfcUrl,
      pcscLine,
      serial: phone.serial,
      close: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** Default folder of the reports of journeys started from the dashboard. */
export function defaultReportRoot(): string {
  return resolve(join('reports', 'control', new Date().toISOString().replace(/[:.]/g, '-')));
}
