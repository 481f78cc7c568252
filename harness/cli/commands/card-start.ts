/**
 * `ciebench card start`: run the default card until stopped. For now the card is reachable
 * in-process only: hex APDUs typed on standard input are answered on standard output.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { fromHex, HexFormatError, toHex } from '../../../emulator/src/bytes/hex.ts';
import { describeSw, swFromResponse } from '../../../emulator/src/apdu/status-words.ts';
import { createDefaultCard } from '../../cards/default-card.ts';
import { commandGroup } from '../main.ts';

export function register(program: Command): void {
  commandGroup(program, 'card', 'emulated cards: start, create, inspect')
    .command('start')
    .description('start the default emulated card; type hex APDUs on standard input (one per line)')
    .action(async () => {
      const { card, profileId, description } = await createDefaultCard();
      const atr = card.powerOn();
      process.stdout.write(`card '${profileId}' (${description}) powered, ATR ${toHex(atr, ' ')}\n`);
      process.stdout.write('reachable in-process: type a command APDU in hex per line, Ctrl-D to stop\n');
      const rl = createInterface({ input: process.stdin, terminal: false });
      for await (const line of rl) {
        if (line.trim() === '') continue;
        try {
          const rsp = card.transmit(fromHex(line));
          process.stdout.write(`${toHex(rsp, ' ')}  (${describeSw(swFromResponse(rsp)).name})\n`);
        } catch (e) {
          if (!(e instanceof HexFormatError)) throw e;
          process.stdout.write(`not hex: ${e.message}\n`);
        }
      }
      card.powerOff();
    });
}
