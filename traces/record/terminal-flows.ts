/**
 * The reference-terminal flows `ciebench trace record -- <flow>` can run, registered on import:
 * the IAS login and NIS flows (harness/terminals/ias) and the eMRTD inspection
 * (harness/terminals/emrtd). Trust anchors are the project's TEST PKI, so on a physical card the
 * certificate checks fail (reported) while the trace is recorded all the same. Before a VERIFY the
 * IAS terminal asks for the tries left, so a last-try guard in front of a physical card can judge.
 */
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { inspect } from '../../harness/terminals/emrtd/inspection-system.ts';
import { loginFlow, nisFlow } from '../../harness/terminals/ias/flows.ts';
import { trustOfImage as trustOf } from '../../harness/cards/card-registry.ts';
import { registerFlow } from './flows.ts';

function report(
  flow: string,
  r: {
    readonly verdict: string;
    readonly error?: { readonly code: string; readonly message: string } | undefined;
  },
): void {
  process.stderr.write(
    `${flow}: ${r.verdict}${r.error ? ` (${r.error.code}: ${r.error.message})` : ''}\n`,
  );
}

registerFlow({
  name: 'ias-login',
  description:
    "IAS login, desktop sequence (DH + DAPP + VERIFY + certificate + sign); args: [PIN] (default: the default card's TEST PIN)",
  async run(ch, args) {
    const image = defaultCardImage();
    report(
      'ias-login',
      await loginFlow(ch, {
        trust: trustOf(image),
        pin: args[0] ?? image.state.pin.value,
        probeTries: true,
      }),
    );
  },
});

registerFlow({
  name: 'ias-nis',
  description:
    'IAS NIS flow of the mobile SDKs (NIS, EF 1005, EF.SOD, servizi signature), ias/README.md §5.1 B',
  async run(ch) {
    report('ias-nis', await nisFlow(ch, { trust: trustOf(defaultCardImage()) }));
  },
});

registerFlow({
  name: 'emrtd-read',
  description:
    "eMRTD inspection: PACE-CAN, Chip Authentication, every data group, Passive Authentication; args: [CAN] (default: the default card's)",
  async run(ch, args) {
    const image = defaultCardImage();
    const { report: r } = await inspect(ch, {
      access: { kind: 'pace', password: { kind: 'can', can: args[0] ?? image.citizen.can } },
      cscas: trustOf(image).csca,
      connect: false,
    });
    report('emrtd-read', r);
  },
});
