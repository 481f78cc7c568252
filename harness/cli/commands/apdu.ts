/**
 * `ciebench apdu <hex>...`: send APDUs to a fresh emulated card in-process (`--card`, default the
 * default card; an image file is used in memory, never written) and decode the answers.
 */
import type { Command } from 'commander';
import { describeCommand } from '../../../emulator/src/apdu/describe.ts';
import { ApduFormatError, parseCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { parseResponseApdu } from '../../../emulator/src/apdu/response-apdu.ts';
import { describeSw, swHex } from '../../../emulator/src/apdu/status-words.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { resolveCardSpec } from '../../cards/card-registry.ts';
import { CARD_SPEC_HELP } from '../cli-kit.ts';

export interface DecodedExchange {
  readonly command: string;
  readonly commandText: string;
  readonly response: string;
  readonly data: string;
  readonly sw: string;
  readonly swName: string;
  readonly swText: string;
}

export async function runApdus(
  hexes: readonly string[],
  cardSpec = 'default',
): Promise<{ atr: string; exchanges: DecodedExchange[] }> {
  const commands = hexes.map((h) => fromHex(h));
  const card = resolveCardSpec(cardSpec).create();
  const atr = toHex(card.powerOn());
  const exchanges = commands.map((cmd) => {
    let commandText: string;
    try {
      commandText = describeCommand(parseCommandApdu(cmd));
    } catch (e) {
      if (!(e instanceof ApduFormatError)) throw e;
      commandText = `malformed APDU: ${e.message}`;
    }
    const raw = card.transmit(cmd);
    const r = parseResponseApdu(raw);
    const info = describeSw(r.sw);
    return {
      command: toHex(cmd, ' '),
      commandText,
      response: toHex(raw, ' '),
      data: toHex(r.data, ' '),
      sw: swHex(r.sw),
      swName: info.name,
      swText: info.text,
    };
  });
  return { atr, exchanges };
}

export function register(program: Command): void {
  program
    .command('apdu')
    .description(
      'send command APDUs (hex) to a fresh default card in-process and print decoded responses',
    )
    .argument(
      '<hex...>',
      'command APDUs in hex, e.g. 00A4040C07A0000002471001 (spaces allowed inside quotes)',
    )
    .option('--card <card>', `the card: ${CARD_SPEC_HELP}`, 'default')
    .option('--json', 'print JSON instead of text')
    .action(async (hexes: string[], opts: { json?: boolean; card: string }) => {
      const { atr, exchanges } = await runApdus(hexes, opts.card);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ atr, exchanges }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`ATR ${toHex(fromHex(atr), ' ')}\n`);
      for (const x of exchanges) {
        process.stdout.write(`> ${x.command}\n    ${x.commandText}\n`);
        process.stdout.write(
          `< ${x.data ? `${x.data} ` : ''}${x.sw.slice(0, 2)} ${x.sw.slice(2)}\n    ${x.swName}: ${x.swText}\n`,
        );
      }
    });
}
