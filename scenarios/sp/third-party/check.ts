/**
 * Installation check of a third-party SP (used by the CI step and `ciebench sp third-party
 * check`): start it against the stand-in IdP, follow "Entra con CIE" to the IdP redirect, check the
 * AuthnRequest carries no AllowCreate, post a signed CIE Response, read the attributes page, stop.
 * Needs nothing else running.
 */
import { standInIdp, STAND_IN_IDP_BASE } from '../stand-in/stand-in-idp.ts';
import { beginLogin, completeLogin } from '../stand-in/third-party-login.ts';
import { attr, child, NS, parseXml } from '../xml.ts';
import type { ThirdPartyKind, ThirdPartySp } from './instance.ts';
import { startShibbolethSp } from './shibboleth.ts';
import { startSimpleSamlPhp } from './simplesamlphp.ts';

export const START_THIRD_PARTY: Record<ThirdPartyKind, typeof startSimpleSamlPhp> = {
  simplesamlphp: startSimpleSamlPhp,
  shibboleth: startShibbolethSp,
};

export interface CheckStep {
  readonly step: string;
  readonly ok: boolean;
  readonly detail: string;
}

export async function checkThirdPartySp(kind: ThirdPartyKind): Promise<CheckStep[]> {
  const idp = standInIdp();
  const steps: CheckStep[] = [];
  let sp: ThirdPartySp | undefined;
  try {
    const t0 = Date.now();
    sp = await START_THIRD_PARTY[kind]({ idpMetadataXml: idp.metadataXml });
    steps.push({ step: 'start', ok: true, detail: `${sp.baseUrl} in ${Date.now() - t0} ms` });
    const begun = await beginLogin(sp, STAND_IN_IDP_BASE);
    const policy = child(
      parseXml(begun.requestXml, 'AuthnRequest').documentElement!,
      NS.samlp,
      'NameIDPolicy',
    );
    const allowCreate = policy ? attr(policy, 'AllowCreate') : 'no NameIDPolicy';
    const signed = /[?&]SigAlg=[^&]+&Signature=[^&]+$/.test(begun.location);
    steps.push({
      step: 'AuthnRequest',
      ok: allowCreate === undefined && signed,
      detail: `${signed ? 'query signed' : 'NOT signed'}, ${allowCreate === undefined ? 'NameIDPolicy without AllowCreate' : `AllowCreate: ${allowCreate}`}`,
    });
    const page = await completeLogin(sp, idp, begun);
    const ok = page.body.includes('id="attr-fiscalNumber">TINIT-');
    steps.push({
      step: 'Response',
      ok,
      detail: ok ? 'attributes page shows fiscalNumber' : `HTTP ${page.status}`,
    });
  } catch (e) {
    steps.push({
      step: 'error',
      ok: false,
      detail: `${(e as Error).message}${sp ? `\n${sp.logs().slice(-4000)}` : ''}`,
    });
  } finally {
    await sp?.stop();
  }
  return steps;
}
