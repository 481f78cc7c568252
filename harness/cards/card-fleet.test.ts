/**
 * Card fleets (card-fleet.ts): the same seed gives the same citizens and cards; every citizen of a
 * fleet is distinct where a card must be (NIS, document number, certificate, EF.SOD); the cards
 * pass the reference IAS login and the reference eMRTD inspection (Passive Authentication against
 * the test CSCA, Terminal Authentication under the fleet's CVCA); the key pool's sharing is the
 * documented one.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { asciiBytes } from '../../emulator/src/bytes/bytes.ts';
import { toHex } from '../../emulator/src/bytes/hex.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { InProcessChannel } from '../channel/in-process-channel.ts';
import { loginFlow } from '../terminals/ias/flows.ts';
import { inspect } from '../terminals/emrtd/inspection-system.ts';
import type { TerminalCredentials } from '../terminals/emrtd/eac.ts';
import {
  CardFleet,
  cardFleet,
  FLEET_MAX_INDEX,
  fleetDocumentNumber,
  fleetNis,
} from './card-fleet.ts';
import { CardSpecError, resolveCardSpec } from './card-registry.ts';

const spki = (certHex: string): string =>
  new X509Certificate(Buffer.from(certHex, 'hex')).publicKey
    .export({ type: 'spki', format: 'der' })
    .toString('hex');

describe('card fleet: many distinct citizens from one seed', () => {
  it('the same seed yields the same fleet (citizens, certificates, SODs), another seed another', () => {
    const a = new CardFleet({ seed: 'fleet-test' });
    const b = new CardFleet({ seed: 'fleet-test' });
    for (const i of [0, 1, 33, 999]) {
      expect(b.citizen(i)).toEqual(a.citizen(i));
      const [ia, ib] = [a.image(i), b.image(i)];
      expect(ib).toEqual(ia);
    }
    const other = new CardFleet({ seed: 'fleet-test-2' });
    expect(other.citizen(0).citizen.nis).not.toBe(a.citizen(0).citizen.nis);
    expect(other.image(0).ias.certificates.holder).not.toBe(a.image(0).ias.certificates.holder);
  });

  it('no two citizens share a NIS, a document number or a certificate', () => {
    const f = cardFleet({ seed: 'fleet-test' });
    const n = 2000;
    const citizens = Array.from({ length: n }, (_, i) => f.citizen(i).citizen);
    expect(new Set(citizens.map((c) => c.nis)).size).toBe(n);
    expect(new Set(citizens.map((c) => c.document.number)).size).toBe(n);
    expect(new Set(citizens.map((c) => c.seed)).size).toBe(n);
    const certs = [0, 1, 32, 64].map((i) => f.image(i).ias.certificates.holder);
    expect(new Set(certs).size).toBe(certs.length);
  });

  it('NIS and document numbers are bijections of the index, within the CIE formats', () => {
    for (const i of [0, 1, 99_999, 100_000, 67_599_999, 67_600_000, FLEET_MAX_INDEX]) {
      expect(fleetNis('s', i)).toMatch(/^9\d{11}$/);
      expect(fleetDocumentNumber(i)).toMatch(/^C[A-Z]\d{5}[A-Z]{2}$/);
    }
    const docs = new Set<string>();
    for (let i = 0; i < 200_000; i += 7) docs.add(fleetDocumentNumber(i));
    expect(docs.size).toBe(Math.ceil(200_000 / 7));
    expect(fleetDocumentNumber(FLEET_MAX_INDEX)).not.toBe(fleetDocumentNumber(0));
  });

  it('pool keys: citizens i and i + slots share key 81 and nothing else of their identity', () => {
    const f = cardFleet({ seed: 'fleet-test' });
    const slots = f.pool.size;
    const [a, b, c] = [0, slots, 1].map((i) => f.image(i));
    if (!a || !b || !c) throw new Error('unreachable');
    expect(spki(b.ias.certificates.holder)).toBe(spki(a.ias.certificates.holder));
    expect(spki(c.ias.certificates.holder)).not.toBe(spki(a.ias.certificates.holder));
    expect(b.ias.certificates.holder).not.toBe(a.ias.certificates.holder);
    expect(b.citizen.nis).not.toBe(a.citizen.nis);
    expect(b.ias.files.sod).not.toBe(a.ias.files.sod);
    expect(f.citizen(slots).keySlot).toBe(0);
  });

  it('unique keys: every citizen its own key 81', () => {
    const f = new CardFleet({ seed: 'fleet-test', keys: 'unique' });
    const slots = f.pool.size;
    const a = f.image(0);
    const b = f.image(slots);
    expect(spki(b.ias.certificates.holder)).not.toBe(spki(a.ias.certificates.holder));
    expect(f.citizen(0).keySlot).toBeUndefined();
  });

  it('a fleet card passes the reference IAS login; the signature verifies with its certificate', async () => {
    const r = resolveCardSpec('fleet:fleet-test:7');
    expect(r.spec).toBe('fleet:fleet-test:7');
    expect(r.description).toMatch(/citizen 7 of fleet 'fleet-test'/);
    const report = await loginFlow(new InProcessChannel(r.create({ strict: true }), 'fleet'), {
      pin: r.secrets?.pin ?? '',
      challenge: asciiBytes('fleet challenge'),
      style: 'android',
      rng: seededRng('fleet-login'),
      trust: { csca: r.trust?.csca ?? [], holderCa: r.trust?.holderCa ?? [] },
    });
    expect(report.verdict, JSON.stringify(report.error)).toBe('pass');
    expect(report.result?.certificate).toBe(r.image?.ias.certificates.holder);
  });

  it('a fleet card passes the reference eMRTD inspection: PA against the test CSCA, TA under the fleet CVCA', async () => {
    const r = resolveCardSpec('fleet:fleet-test:40');
    const credentials = r.services?.().get('emrtd.credentials') as TerminalCredentials;
    const res = await inspect(new InProcessChannel(r.create({ strict: true }), 'fleet'), {
      access: { kind: 'pace', password: { kind: 'can', can: r.secrets?.can ?? '' } },
      cscas: r.trust?.csca ?? [],
      terminal: credentials,
      rng: seededRng('fleet-inspect'),
    });
    expect(res.report.verdict, JSON.stringify(res.report.error)).toBe('pass');
    expect(res.report.dataGroupsRead).toEqual([1, 2, 3, 11, 12, 14]);
    expect(res.report.passiveAuthentication?.ok).toBe(true);
  });

  it('cards of one slot share the biometric files as one byte array', () => {
    const f = cardFleet({ seed: 'fleet-test' });
    const [a, b] = [0, f.pool.size].map((i) => f.personalisation(i));
    if (!a || !b) throw new Error('unreachable');
    expect(a.emrtd.files.dg3).toBe(b.emrtd.files.dg3);
    const dg3 = a.emrtd.files.dg3 ?? '';
    expect(f.fileBytes(dg3)).toBe(f.fileBytes(b.emrtd.files.dg3 ?? ''));
    expect(toHex(f.fileBytes(dg3))).toBe(dg3);
  });

  it('the registry refuses malformed fleet specs', () => {
    for (const bad of [
      'fleet:',
      'fleet:seed',
      'fleet::3',
      'fleet:s:-1',
      'fleet:s:1e3',
      'fleet:s:1234567890',
    ])
      expect(() => resolveCardSpec(bad), bad).toThrow(CardSpecError);
    expect(() => resolveCardSpec('fleet:s:x')).toThrow(/fleet:<seed>:<index>/);
  });
});
