/**
 * The bench side of the Android adapter's JVM tests: starts NFC endpoints (harness/nfc/ws-server.ts)
 * on free loopback ports, prints one JSON line — their URLs and what the tests check the card
 * against (TEST PIN, NIS, ATR and its historical bytes, holder CA) — and stops when its standard
 * input closes, so it never outlives the JVM that started it.
 *
 * Usage: node --import tsx harness/nfc/android/testing/bench-endpoints.ts '<config JSON>'
 * with {"endpoints":[{"name":"fresh","cards":"fresh"},{"name":"shared","cards":"shared"}, …]}.
 */
import { z } from 'zod';
import { toHex } from '../../../../emulator/src/bytes/hex.ts';
import { resolveCardSpec } from '../../../cards/card-registry.ts';
import { historicalBytesOf } from '../../../transport/atr.ts';
import { FaultListSchema } from '../../faults.ts';
import { IsoDepConfigSchema } from '../../iso-dep-config.ts';
import { NfcServer } from '../../ws-server.ts';

const EndpointSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/),
    /** `fresh`: a new card per session; `shared`: one card, one session at a time (4409 otherwise). */
    cards: z.enum(['fresh', 'shared']).default('fresh'),
    card: z.string().default('default'),
    isoDep: IsoDepConfigSchema.optional(),
    faults: FaultListSchema.optional(),
  })
  .strict();

const ConfigSchema = z.object({ endpoints: z.array(EndpointSchema).min(1) }).strict();

async function main(): Promise<void> {
  const parsed = ConfigSchema.safeParse(JSON.parse(process.argv[2] ?? '{}'));
  if (!parsed.success) {
    process.stderr.write(`bench-endpoints: bad configuration: ${parsed.error.message}\n`);
    process.exit(2);
  }
  const servers: NfcServer[] = [];
  const endpoints: Record<string, string> = {};
  const cards: Record<string, unknown> = {};
  for (const e of parsed.data.endpoints) {
    const recipe = resolveCardSpec(e.card);
    const shared = e.cards === 'shared' ? recipe.create() : undefined;
    const server = new NfcServer({
      port: 0,
      card: () => shared ?? recipe.create(),
      exclusive: shared !== undefined,
      cardDescription: recipe.description,
      ...(e.isoDep ? { isoDep: e.isoDep } : {}),
      ...(e.faults ? { faults: e.faults } : {}),
    });
    endpoints[e.name] = (await server.listen()).url;
    servers.push(server);
    const atr = (shared ?? recipe.create()).atr;
    cards[e.card] = {
      pin: recipe.secrets?.pin,
      puk: recipe.secrets?.puk,
      nis: recipe.image?.citizen.nis,
      atr: toHex(atr),
      historicalBytes: toHex(historicalBytesOf(atr)),
      holderCa: recipe.trust?.holderCa.map((c) => toHex(c)) ?? [],
    };
  }
  process.stdout.write(`${JSON.stringify({ endpoints, cards })}\n`);
  const stop = async (): Promise<void> => {
    for (const s of servers) await s.close();
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.on('error', () => void stop());
  process.stdin.resume();
  process.once('SIGTERM', () => void stop());
}

await main();
