/**
 * Checks where a journey ended against its oracle, on every actor that knows: the SP (its page,
 * its session endpoint, and the reference SP's ACS log), the SAML Response the browser carried,
 * the IdP page, the phone's last outcome, the card's counters, the phone's registration.
 */
import { sessionState, type SpHandle } from './actors/sp.ts';
import type { Journey } from './journey.ts';
import type { Oracle } from './oracle-model.ts';
import { currentPageId, pageText } from './pages.ts';
import type { OracleCheck } from './results.ts';

const check = (what: string, expected: unknown, actual: unknown): OracleCheck => ({
  what,
  expected: String(expected),
  actual: String(actual),
  ok: String(expected) === String(actual),
});

/** The attributes an SP must show for this card's holder (CIE Response profile). */
function holderAttributes(j: Journey): Record<string, string> | undefined {
  const c = j.card.image?.citizen;
  if (!c) return undefined;
  return {
    name: c.givenName,
    familyName: c.surname,
    fiscalNumber: `TINIT-${c.fiscalCode}`,
    dateOfBirth: c.birthDate,
  };
}

async function spChecks(
  j: Journey,
  o: NonNullable<Oracle['sp']>,
  sp: SpHandle,
): Promise<OracleCheck[]> {
  const out: OracleCheck[] = [];
  const page = await currentPageId(j.page, j.models);
  const state = await sessionState(sp, j.context);
  out.push(check('SP session (its session URL)', o.session, state.session));
  if (o.session) {
    out.push(check('SP page', 'sp-session', page));
    const want = holderAttributes(j);
    if (want)
      for (const [name, value] of Object.entries(want)) {
        const shown = await j.page
          .locator(`${sp.pages.attributePrefix}${name}`)
          .first()
          .textContent({ timeout: 2000 })
          .catch(() => null);
        out.push(check(`SP shows ${name}`, value, (shown ?? '(none)').trim()));
      }
  } else if (o.errorCode !== undefined) {
    out.push(check('SP page', 'sp-error', page));
    const text = await pageText(j.page);
    const shown =
      new RegExp(`ErrorCode nr${o.errorCode}\\b`).test(text) ||
      new RegExp(`Codice:\\s*${o.errorCode}\\b`).test(text);
    out.push(check(`SP shows error ${o.errorCode}`, true, shown));
  }
  const log = sp.outcomes?.();
  if (log) {
    const last = log.at(-1);
    const kind = last?.kind ?? '(no ACS outcome)';
    if (o.session) out.push(check('reference SP ACS outcome', 'login', kind));
    else if (o.errorCode !== undefined) {
      const code = last?.kind === 'idp-error' ? last.status.errorCode : undefined;
      out.push(
        check(
          'reference SP ACS outcome',
          `idp-error ${o.errorCode}`,
          `${kind}${code !== undefined ? ` ${code}` : ''}`,
        ),
      );
    }
  }
  return out;
}

/** The journey's end state against `o`; `sp` is the run's SP (its session URL, its ACS log). */
export async function evaluateOracle(j: Journey, o: Oracle, sp: SpHandle): Promise<OracleCheck[]> {
  const out: OracleCheck[] = [];
  if (o.sp) out.push(...(await spChecks(j, o.sp, sp)));
  if (o.saml !== undefined) {
    const last = j.saml.lastResponse();
    out.push(
      check(
        sp.protocol === 'oidc' ? 'OIDC authorization response (last)' : 'SAML Response (last)',
        o.saml === 'none' ? 'none' : o.saml,
        last ? (last.code ?? last.summary) : 'none',
      ),
    );
  }
  if (o.idp) out.push(check('IdP page', o.idp.page, await currentPageId(j.page, j.models)));
  if (o.app) {
    const last = j.state.lastApp;
    const actual = !last ? '(no app outcome)' : last.ok ? 'ok' : last.event.kind;
    if (o.app.ok) out.push(check('app outcome', 'ok', actual));
    if (o.app.event) out.push(check('app event', o.app.event, actual));
    if (o.app.triesLeft !== undefined) {
      const tries = last && !last.ok && 'triesLeft' in last.event ? last.event.triesLeft : '(none)';
      out.push(check('app shows tries left', o.app.triesLeft, tries));
    }
  }
  if (o.card) {
    const c = j.card.counters();
    if (o.card.pinTries !== undefined)
      out.push(check('card PIN tries left', o.card.pinTries, c?.pinTries ?? '(unknown)'));
    if (o.card.pukTries !== undefined)
      out.push(check('card PUK tries left', o.card.pukTries, c?.pukTries ?? '(unknown)'));
  }
  if (o.registration) {
    const r = j.app?.registration(j.nis);
    out.push(check('registration on the phone', o.registration.present, r !== undefined));
    if (o.registration.half)
      out.push(check('stored PIN half', o.registration.half, r?.pinHalfStatus ?? '(none)'));
  }
  return out;
}
