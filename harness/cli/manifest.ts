/**
 * The command-line root's table of contents: each top-level command, its one-line summary, and
 * the modules that implement it, loaded only when that command runs. `ciebench --version` and
 * `ciebench --help` load none of them; `ciebench card new` loads only the `card` modules. Adding a
 * command means adding a line here and a `register(program)` module in the feature's own `cli/`
 * folder.
 */
import type { CommandModule } from './cli-kit.ts';

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly modules: readonly (() => Promise<CommandModule>)[];
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'app',
    summary: 'CieID app agent: card registration, QR and app-to-app logins, PIN management',
    modules: [() => import('../../scenarios/cli/app.ts')],
  },
  {
    name: 'apdu',
    summary: 'send APDUs (hex) to a fresh emulated card and decode the answers',
    modules: [() => import('./commands/apdu.ts')],
  },
  {
    name: 'card',
    summary: 'emulated cards: start, create, inspect, fleets of citizens',
    modules: [
      () => import('./commands/card-new.ts'),
      () => import('./commands/card-profiles.ts'),
      () => import('./commands/card-show.ts'),
      () => import('./commands/card-start.ts'),
      () => import('./commands/card-cert.ts'),
      () => import('./commands/card-fleet.ts'),
    ],
  },
  {
    name: 'conformance',
    summary: 'conformance suites (ISO 7816, CIE IAS, eMRTD) against an emulated or physical card',
    modules: [() => import('../../conformance/cli/conformance.ts')],
  },
  {
    name: 'control',
    summary: 'control API and dashboard: steer cards and readers, watch APDUs, start journeys',
    modules: [() => import('../../scenarios/control/cli/control.ts')],
  },
  {
    name: 'emrtd',
    summary: 'eMRTD (ICAO 9303) reference inspection system',
    modules: [() => import('./commands/emrtd.ts')],
  },
  {
    name: 'ias',
    summary: 'IAS reference terminal: login, NIS, PIN management',
    modules: [() => import('./commands/ias.ts')],
  },
  {
    name: 'idp',
    summary:
      'reference CIE identity provider (SAML 2.0, level 3): start, check SP metadata, register, inject',
    modules: [() => import('../../scenarios/cli/idp.ts')],
  },
  {
    name: 'middleware',
    summary:
      'desktop CIE middleware: PKCS#11 module, bench daemon, pairing, PIN entry, browser setup',
    modules: [() => import('../pkcs11/cli/middleware.ts')],
  },
  {
    name: 'reader',
    summary: 'virtual PC/SC reader: install the driver, list and probe readers',
    modules: [() => import('./commands/reader.ts')],
  },
  {
    name: 'scenario',
    summary:
      'scenario runner: citizen journeys end to end, SP response cases, pre-production evidence, load',
    modules: [
      () => import('../../scenarios/cli/scenario.ts'),
      () => import('../../scenarios/cli/load.ts'),
    ],
  },
  {
    name: 'sp',
    summary:
      'service providers: the reference CIE SP, SimpleSAMLphp and Shibboleth SP configured for CIE',
    modules: [() => import('../../scenarios/cli/sp.ts')],
  },
  {
    name: 'start',
    summary:
      'the bench in one process: card on PC/SC and NFC, reference IdP and SP, dashboard, login demo',
    modules: [() => import('./commands/start.ts')],
  },
  {
    name: 'trace',
    summary: 'traces: record, import, show, diff and replay APDU traces',
    modules: [
      () => import('../../traces/cli/trace.ts'),
      () => import('../../traces/cli/trace-record.ts'),
    ],
  },
];
