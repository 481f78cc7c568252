/**
 * Flows `ciebench trace record -- <flow>` can run. Built in: `apdus <hex>...` (send the given
 * command APDUs, following 61xx) and `iso-read` (select and read every file of the generic ISO
 * test card). Reference-terminal flows (IAS, eMRTD) register themselves here through
 * {@link registerFlow} when their modules are loaded.
 */
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { transmitAll } from './transmit-all.ts';

export interface Flow {
  readonly name: string;
  readonly description: string;
  run(channel: ApduChannel, args: readonly string[]): Promise<void>;
}

const FLOWS = new Map<string, Flow>();

export function registerFlow(flow: Flow): void {
  FLOWS.set(flow.name, flow);
}

export function findFlow(name: string): Flow | undefined {
  return FLOWS.get(name);
}

export function listFlows(): readonly Flow[] {
  return [...FLOWS.values()];
}

registerFlow({
  name: 'apdus',
  description: 'send the command APDUs given as arguments (hex), following 61xx with GET RESPONSE',
  async run(ch, args) {
    for (const a of args) await transmitAll(ch, fromHex(a));
  },
});

registerFlow({
  name: 'iso-read',
  description:
    'generic ISO card: select the MF, read EF.DIR and EF.LONG, select DF.TEST, read its EFs and records',
  async run(ch) {
    const script = [
      '00A4000C023F00',
      '00B09E0000',
      '00A4020C020101',
      '00B0000000',
      '00B0010000',
      '00B0020000',
      '00A4040C07A0000000990102',
      '00B0820000',
      '00B2010C00',
      '00B2020C00',
      '00B2030C00',
    ];
    for (const c of script) await transmitAll(ch, fromHex(c));
  },
});
