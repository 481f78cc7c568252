/**
 * The CIE Bench reader driver inside a real pcscd (real applications must see the card):
 * SCardGetAttrib(SCARD_ATTR_ATR_STRING), extended-APDU capability, extended APDUs, several slots,
 * removal mid-flow, and a card side that misbehaves at any moment. Debian's vpcd is checked for
 * the same attribute, to keep the reason for the driver visible.
 */
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import { createDefaultCard } from '../cards/card-registry.ts';
import { ReaderSlot } from '../vpcd/reader-slot.ts';
import { PcscChannel } from '../pcsc/pcsc-channel.ts';
import { pcscdRunning } from '../pcsc/pcsc-env.ts';
import { EchoCard } from '../cards/echo-card.ts';
import {
  insertCard,
  integrationGate,
  reportGate,
  runTool,
  waitReader,
  type InsertedCard,
} from '../pcsc/testing/integration.ts';
import {
  CIEBENCH_READER,
  CIEBENCH_REVERSED_READER,
  DEBIAN_VPCD,
  readerName,
} from '../transport/endpoints.ts';
import { encodeVpcdFrame, VpcdFrameDecoder } from '../vpcd/framing.ts';
import { ViccServer } from '../vpcd/vicc-server.ts';
import { buildDriver } from './install.ts';

const READER0 = readerName(CIEBENCH_READER, 0);
const READER1 = readerName(CIEBENCH_READER, 1);
const SELECT_MF = fromHex('00A4000C023F00');

async function probe(tool: string, reader: string): Promise<Record<string, string>> {
  const r = await runTool(tool, [reader]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

let probeTool = '';
async function buildProbe(): Promise<string> {
  probeTool ||= (await buildDriver(mkdtempSync(join(tmpdir(), 'ciebench-driver-')))).probe;
  return probeTool;
}

/** A card side written by hand, to misbehave exactly as a scenario says. */
function rawCard(
  port: number,
  onFrame: (payload: Uint8Array, socket: Socket) => void,
): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  const decoder = new VpcdFrameDecoder();
  socket.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(new Uint8Array(chunk))) onFrame(f, socket);
  });
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

const gate = await integrationGate({
  readers: [READER0, READER1],
  tools: ['make', 'cc', 'pkg-config'],
});
reportGate('reader-driver', gate);

describe.skipIf(!gate.ok)('CIE Bench reader driver in pcscd', () => {
  const binding = gate.binding!;
  let inserted: InsertedCard;
  let atr: Uint8Array;

  beforeAll(async () => {
    inserted = await insertCard(binding, CIEBENCH_READER, { kind: 'default' });
    atr = inserted.atr;
    expect(atr).toEqual((await createDefaultCard()).card.atr);
  });
  afterAll(async () => {
    await inserted?.remove();
  });

  it('answers SCardGetAttrib(SCARD_ATTR_ATR_STRING) with the personality ATR', async () => {
    const p = await probe(await buildProbe(), READER0);
    expect(p['attrib_atr']).toBe(toHex(atr));
    expect(p['status_atr']).toBe(toHex(atr));
    expect(p['attrib_vendor']).toBe(toHex(new TextEncoder().encode('CIE Bench\0')));
  });

  it('reports extended APDUs: FEATURE_GET_TLV_PROPERTIES with dwMaxAPDUDataSize 65536 (PC/SC part 10 §2.6.14)', async () => {
    const p = await probe(await buildProbe(), READER0);
    expect(p['features']).toBe('120442330012');
    expect(p['max_apdu']).toBe('65536');
  });

  it('carries extended APDUs both ways, up to the 65 535-byte frame limit', async () => {
    const echo = await insertCard(binding, CIEBENCH_READER, { kind: 'echo' }, { slot: 1 });
    const ch = new PcscChannel({ reader: echo.reader, binding });
    try {
      await ch.connect();
      const data = Uint8Array.from({ length: 4000 }, (_, i) => i & 0xff);
      const echoed = await ch.transmit(
        Uint8Array.from([0x80, 0xee, 0, 0, 0, 0x0f, 0xa0, ...data, 0, 0]),
      );
      expect(echoed).toEqual(Uint8Array.from([...data, 0x90, 0x00]));
      const biggest = await ch.transmit(fromHex('80EFFFFD000000'));
      expect(biggest.length).toBe(65_535);
      expect(toHex(biggest.subarray(-2))).toBe('9000');
      // One byte more cannot be framed: the answer is lost with the card (no made-up status word).
      await expect(ch.transmit(fromHex('80EFFFFE000000'))).rejects.toMatchObject({
        code: 'CARD_REMOVED',
      });
    } finally {
      await ch.close();
      await echo.remove();
    }
  });

  it('serves two cards in two slots at once', async () => {
    const echo = await insertCard(binding, CIEBENCH_READER, { kind: 'echo' }, { slot: 1 });
    const a = new PcscChannel({ reader: READER0, binding });
    const b = new PcscChannel({ reader: READER1, binding });
    try {
      expect(await a.connect()).toEqual(atr);
      expect(await b.connect()).toEqual(new EchoCard().atr);
      for (let i = 0; i < 20; i++) {
        expect(await b.transmit(fromHex(`80EE000001${i.toString(16).padStart(2, '0')}`))).toEqual(
          fromHex(`${i.toString(16).padStart(2, '0')}9000`),
        );
        expect((await a.transmit(SELECT_MF)).length).toBeGreaterThanOrEqual(2);
      }
    } finally {
      await a.close();
      await b.close();
      await echo.remove();
    }
  });

  it('reports a card pulled mid-flow as removed, and sees it again when it is back', async () => {
    const pulled = await insertCard(
      binding,
      CIEBENCH_READER,
      { kind: 'echo' },
      { slot: 1, faults: [{ kind: 'tag-lost', atApdu: 2 }] },
    );
    const ch = new PcscChannel({ reader: READER1, binding });
    try {
      await ch.connect();
      expect(await ch.transmit(fromHex('80EE000001AA'))).toEqual(fromHex('AA9000'));
      await expect(ch.transmit(fromHex('80EE000001BB'))).rejects.toMatchObject({
        code: 'CARD_REMOVED',
      });
      await ch.close();
      await waitReader(binding, READER1, true);
      await ch.connect();
      expect(await ch.transmit(fromHex('80EE000001CC'))).toEqual(fromHex('CC9000'));
    } finally {
      await ch.close();
      await pulled.remove();
    }
  });

  it('survives a card side that fails at any moment; pcscd and the other slot keep working', async () => {
    const port = CIEBENCH_READER.port + 1;
    const scenarios: Array<[string, (f: Uint8Array, s: Socket) => void]> = [
      ['closes at once', (_f, s) => s.destroy()],
      [
        'sends half an ATR frame, then closes',
        (_f, s) => (s.write(fromHex('000A3B80')), s.destroy()),
      ],
      [
        'sends a 40-byte ATR',
        (f, s) =>
          f[0] === 0x04 &&
          f.length === 1 &&
          s.write(encodeVpcdFrame(new Uint8Array(40).fill(0x3b))),
      ],
      [
        'answers GET ATR with an empty frame (removed)',
        (f, s) => f.length === 1 && f[0] === 0x04 && s.write(fromHex('0000')),
      ],
      ['sends bytes nobody asked for', (_f, s) => s.write(fromHex('0001FF00020000'))],
    ];
    for (const [name, behave] of scenarios) {
      const s = await rawCard(port, behave);
      await new Promise((r) => setTimeout(r, 900));
      s.destroy();
      await waitReader(binding, READER1, false);
      expect(await pcscdRunning(), name).toBe(true);
      const ch = new PcscChannel({ reader: READER0, binding });
      await ch.connect();
      expect((await ch.transmit(SELECT_MF)).length, name).toBeGreaterThanOrEqual(2);
      await ch.close();
    }
    // Mid-APDU: a proper ATR, then half an answer and gone.
    const s = await rawCard(port, (f, sock) => {
      if (f.length === 1 && f[0] === 0x04) sock.write(encodeVpcdFrame(new EchoCard().atr));
      else if (f.length > 1) (sock.write(fromHex('0004AA')), sock.destroy());
    });
    await waitReader(binding, READER1, true);
    const ch = new PcscChannel({ reader: READER1, binding });
    await ch.connect();
    await expect(ch.transmit(fromHex('80EE000001AA'))).rejects.toMatchObject({
      code: 'CARD_REMOVED',
    });
    await ch.close();
    s.destroy();
    await waitReader(binding, READER1, false);
    const good = await insertCard(binding, CIEBENCH_READER, { kind: 'echo' }, { slot: 1 });
    const again = new PcscChannel({ reader: READER1, binding });
    await again.connect();
    expect(await again.transmit(fromHex('80EE000001DD'))).toEqual(fromHex('DD9000'));
    await again.close();
    await good.remove();
  });
});

const reversedReader = readerName(CIEBENCH_REVERSED_READER);
const reversedGate = await integrationGate({ readers: [reversedReader] });
reportGate('reader-driver (reversed mode)', reversedGate);

describe.skipIf(!reversedGate.ok)(
  'CIE Bench reader driver, reversed mode (the card listens)',
  () => {
    it('connects to a listening card, serves it, and notices when it goes', async () => {
      const binding = reversedGate.binding!;
      const card = new EchoCard();
      const server = new ViccServer({
        slot: new ReaderSlot({ card }),
        port: CIEBENCH_REVERSED_READER.port,
      });
      await server.listen();
      try {
        await waitReader(binding, reversedReader, true);
        const ch = new PcscChannel({ reader: reversedReader, binding });
        expect(await ch.connect()).toEqual(card.atr);
        expect(await ch.transmit(fromHex('80EE0000020102'))).toEqual(fromHex('01029000'));
        await ch.close();
      } finally {
        await server.close();
      }
      await waitReader(binding, reversedReader, false);
    });
  },
);

const vpcdGate = await integrationGate({
  readers: [readerName(DEBIAN_VPCD)],
  tools: ['make', 'cc', 'pkg-config'],
});
reportGate('reader-driver (Debian vpcd comparison)', vpcdGate);

describe.skipIf(!vpcdGate.ok)("Debian's vpcd 0.8, for comparison (vpcd/README.md §6)", () => {
  it('does not answer SCARD_ATTR_ATR_STRING nor the extended-APDU features: why the driver exists', async () => {
    const inserted = await insertCard(vpcdGate.binding!, DEBIAN_VPCD, { kind: 'default' });
    try {
      const p = await probe(await buildProbe(), inserted.reader);
      expect(p['status_atr']).toBe(toHex(inserted.atr));
      expect(p['attrib_atr']).toMatch(/^error:0x8010001F/);
      expect(p['features']).toMatch(/^error:/);
    } finally {
      await inserted.remove();
    }
  });
});
