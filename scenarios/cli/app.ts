/**
 * `ciebench app …`: the CieID app agent from the command line — register a card, list and forget
 * registrations, log in by QR code (hybrid) or app-to-app (phone only), change and unblock the PIN.
 * Results are the app's events, printed with the app's Italian text (or as JSON); PIN digits are
 * never printed unless `--show-secrets`.
 *
 * Exit codes: 0 done; 1 the app ended with an event (login refused, wrong PIN, tag lost, …);
 * 2 bad input (options, serial or PIN format); 3 environment missing (no card or endpoint
 * answering, IdP unreachable, PC/SC binding or pcscd missing).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { AppEvent, AppEventKind, AppResult } from '../app/events.ts';
import { iosReturnUrl, spAppResult, type MobileLoginResult } from '../app/mobile-login.ts';
import type { Registration } from '../app/profile-store.ts';
import { agentOf, AppCliError, commonOptions, secret, type AppCliOptions } from './app-options.ts';

const INPUT_EVENTS: ReadonlySet<AppEventKind> = new Set([
  'SERIAL_FORMAT',
  'PIN_FORMAT',
  'NEW_PIN_SAME_AS_OLD',
  'NEW_PIN_MISMATCH',
  'NEW_PIN_WEAK',
  'QR_NOT_RECOGNISED',
]);
const ENVIRONMENT_EVENTS: ReadonlySet<AppEventKind> = new Set([
  'CARD_NOT_DETECTED',
  'NO_INTERNET_CONNECTION',
  'NFC_NOT_SUPPORTED',
]);

function exitCodeOf(e: AppEvent): number {
  if (INPUT_EVENTS.has(e.kind)) return 2;
  if (ENVIRONMENT_EVENTS.has(e.kind)) return 3;
  return 1;
}

function show<T>(r: AppResult<T>, o: AppCliOptions, text: (v: T) => string): void {
  if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else if (r.ok) process.stdout.write(`${text(r.value)}\n`);
  else process.stdout.write(`[${r.event.kind}] ${r.event.message.replace(/\n/g, ' — ')}\n`);
  if (!r.ok) process.exitCode = exitCodeOf(r.event);
}

function describe(r: Registration): string {
  const flag = r.pinHalfStatus === 'ok' ? '' : `  (stored PIN half ${r.pinHalfStatus})`;
  return `${r.serial}  NIS ${r.nis}  ${r.givenName} ${r.surname}  registered ${r.registeredAt}${flag}`;
}

/** Runs a command body with the agent; errors go to the command line's funnel (exit code by kind). */
async function run(
  o: AppCliOptions,
  body: (agent: ReturnType<typeof agentOf>) => Promise<void>,
): Promise<void> {
  const agent = agentOf(o);
  try {
    await body(agent);
  } finally {
    await agent.close();
  }
}

export function register(program: Command): void {
  const app = program
    .command('app')
    .description('CieID app agent: card registration, QR and app-to-app logins, PIN management');

  commonOptions(app.command('register').description('register a card ("Registra la tua carta")'))
    .option('--serial <serial>', 'card serial number printed on the front (CA00000AA)')
    .option('--pin <pin>', 'the 8-digit PIN (or CIEBENCH_PIN, or a prompt)')
    .option('--replace', 'register again a card already registered on this phone')
    .action((o: AppCliOptions & { serial?: string; pin?: string; replace?: boolean }) =>
      run(o, async (agent) => {
        const serial =
          o.serial ?? (await secret(undefined, 'CIEBENCH_SERIAL', 'Numero della carta'));
        const pin = await secret(o.pin, 'CIEBENCH_PIN', 'PIN (8 cifre)');
        show(
          await agent.register({ serial, pin, replace: o.replace ?? false }),
          o,
          (r) => `Carta registrata: ${describe(r)}`,
        );
      }),
    );

  commonOptions(app.command('list').description('registered cards')).action((o: AppCliOptions) =>
    run(o, async (agent) => {
      const all = agent.list();
      if (o.json)
        process.stdout.write(
          `${JSON.stringify(
            all.map(({ certificate: _c, ...r }) => r),
            null,
            2,
          )}\n`,
        );
      else
        process.stdout.write(
          all.length ? `${all.map(describe).join('\n')}\n` : 'Nessuna carta registrata\n',
        );
    }),
  );

  commonOptions(
    app.command('forget').description('delete a registration').argument('<nis>', 'NIS of the card'),
  ).action((nis: string, o: AppCliOptions) =>
    run(o, async (agent) => {
      const removed = agent.forget(nis);
      process.stdout.write(
        removed ? `Carta ${nis} rimossa\n` : `Nessuna carta registrata con NIS ${nis}\n`,
      );
      if (!removed) process.exitCode = 1;
    }),
  );

  commonOptions(app.command('login-qr').description('hybrid login: scan the QR code, show the OTP'))
    .option('--qr <payload>', 'the QR payload (the URL the code encodes)')
    .option('--qr-png <file>', 'a PNG screenshot of the page with the QR code')
    .option('--last4 <digits>', 'the last 4 PIN digits (or CIEBENCH_LAST4, or a prompt)')
    .action((o: AppCliOptions & { qr?: string; qrPng?: string; last4?: string }) =>
      run(o, async (agent) => {
        if ((o.qr === undefined) === (o.qrPng === undefined))
          throw new AppCliError('give one of --qr, --qr-png');
        const qr = o.qr ?? { png: new Uint8Array(readFileSync(o.qrPng as string)) };
        const lastFour = await secret(o.last4, 'CIEBENCH_LAST4', 'Ultime 4 cifre del PIN');
        show(
          await agent.loginQr({ qr, lastFour }),
          o,
          (r) => `${r.opText}\nCodice OTP: ${r.otp}\n${r.message}`,
        );
      }),
    );

  commonOptions(
    app
      .command('login-app')
      .description('phone-only login from the IdP hand-off URL')
      .argument('<url>', 'the OpenApp / livello3 URL'),
  )
    .option('--last4 <digits>', 'registered card: the last 4 PIN digits (or CIEBENCH_LAST4)')
    .option('--nis <nis>', 'registered card to use when several are registered')
    .option(
      '--integrated <spApp>',
      "an SP's own app with the integrated SDK (whole PIN, no registration)",
    )
    .option('--user <id>', 'with --integrated: the user id in that app (fiscal code)')
    .option(
      '--pin <pin>',
      'with --integrated: the whole PIN (or CIEBENCH_PIN; omitted: the remembered one)',
    )
    .option('--remember', 'with --integrated: remember the PIN (asked a second time)')
    .option('--cancel', 'press "Annulla" in the app')
    .option('--source-app <scheme>', 'print the iOS return URL to this app scheme')
    .action(
      (
        url: string,
        o: AppCliOptions & {
          last4?: string;
          nis?: string;
          integrated?: string;
          user?: string;
          pin?: string;
          remember?: boolean;
          cancel?: boolean;
          sourceApp?: string;
        },
      ) =>
        run(o, async (agent) => {
          if (o.integrated && !o.user) throw new AppCliError('--integrated needs --user <id>');
          const input = o.integrated
            ? {
                integrated: {
                  spApp: o.integrated,
                  userId: o.user as string,
                  ...(o.pin !== undefined || process.env['CIEBENCH_PIN'] !== undefined
                    ? { pin: await secret(o.pin, 'CIEBENCH_PIN', 'PIN') }
                    : {}),
                  ...(o.remember
                    ? {
                        rememberConfirm: await secret(
                          undefined,
                          'CIEBENCH_PIN_CONFIRM',
                          'Ripeti il PIN',
                        ),
                      }
                    : {}),
                },
              }
            : {
                registered: {
                  lastFour: await secret(o.last4, 'CIEBENCH_LAST4', 'Ultime 4 cifre del PIN'),
                  ...(o.nis ? { nis: o.nis } : {}),
                },
              };
          const r: AppResult<MobileLoginResult> = await agent.loginApp({
            handOffUrl: url,
            ...input,
            cancel: o.cancel ?? false,
          });
          const sp = spAppResult(r);
          if (o.json)
            process.stdout.write(`${JSON.stringify({ result: r, spApp: sp }, null, 2)}\n`);
          else if (o.sourceApp)
            process.stdout.write(`${iosReturnUrl(o.sourceApp, new URL(o.idp ?? url).origin, r)}\n`);
          else if (sp.kind === 'ok') process.stdout.write(`${sp.url}\n`);
          else if (sp.kind === 'cancelled') process.stdout.write('RESULT_CANCELED\n');
          else
            process.stdout.write(
              `ERROR ${sp.code} ${sp.name}: [${sp.event.kind}] ${sp.event.message.replace(/\n/g, ' — ')}\n`,
            );
          if (!r.ok) process.exitCode = exitCodeOf(r.event);
        }),
    );

  commonOptions(app.command('change-pin').description('"Cambia PIN": old PIN, new PIN twice'))
    .option('--old <pin>', 'current PIN (or CIEBENCH_PIN)')
    .option('--new <pin>', 'new PIN (or CIEBENCH_NEW_PIN)')
    .option('--repeat <pin>', 'new PIN again (or CIEBENCH_NEW_PIN_REPEAT; default: --new)')
    .action((o: AppCliOptions & { old?: string; new?: string; repeat?: string }) =>
      run(o, async (agent) => {
        const oldPin = await secret(o.old, 'CIEBENCH_PIN', 'PIN attuale');
        const newPin = await secret(o.new, 'CIEBENCH_NEW_PIN', 'Nuovo PIN');
        const repeat =
          o.repeat ??
          process.env['CIEBENCH_NEW_PIN_REPEAT'] ??
          (o.new !== undefined
            ? newPin
            : await secret(undefined, 'CIEBENCH_NEW_PIN_REPEAT', 'Ripeti il nuovo PIN'));
        show(
          await agent.changePin({ oldPin, newPin, repeat }),
          o,
          (r) =>
            `PIN cambiato (carta ${r.nis}${r.registrationUpdated ? ', registrazione aggiornata' : ''})`,
        );
      }),
    );

  commonOptions(app.command('unblock').description('"Sblocca PIN" with the PUK and a new PIN'))
    .option('--puk <puk>', 'PUK (or CIEBENCH_PUK)')
    .option('--new <pin>', 'new PIN (or CIEBENCH_NEW_PIN)')
    .option('--repeat <pin>', 'new PIN again (default: --new)')
    .action((o: AppCliOptions & { puk?: string; new?: string; repeat?: string }) =>
      run(o, async (agent) => {
        const puk = await secret(o.puk, 'CIEBENCH_PUK', 'PUK');
        const newPin = await secret(o.new, 'CIEBENCH_NEW_PIN', 'Nuovo PIN');
        const repeat =
          o.repeat ??
          (o.new !== undefined
            ? newPin
            : await secret(undefined, 'CIEBENCH_NEW_PIN_REPEAT', 'Ripeti il nuovo PIN'));
        show(
          await agent.unblock({ puk, newPin, repeat }),
          o,
          (r) =>
            `PIN sbloccato (carta ${r.nis}${r.registrationUpdated ? ', registrazione aggiornata' : ''})`,
        );
      }),
    );
}
