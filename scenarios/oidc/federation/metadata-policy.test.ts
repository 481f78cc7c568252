/**
 * Metadata policy operators (OpenID Federation 1.0 §6.1) one by one, their order, their
 * combination down a chain, and the choices where the CIE reference implementation decides
 * (italia/spid-cie-oidc-django `spid_cie_oidc/entity/policy.py`: an empty `subset_of` intersection
 * is an error; `one_of` does not mix with `subset_of`/`superset_of`).
 */
import { describe, expect, it } from 'vitest';
import { applyPolicy, combinePolicies, PolicyError } from './metadata-policy.ts';

describe('applying one policy', () => {
  const md = {
    grant_types: ['authorization_code', 'implicit'],
    token_endpoint_auth_method: 'private_key_jwt',
    contacts: ['a@x.invalid'],
  };

  it('value sets (and null removes) a parameter', () => {
    expect(
      applyPolicy(md, { token_endpoint_auth_method: { value: 'none' } })[
        'token_endpoint_auth_method'
      ],
    ).toBe('none');
    expect(applyPolicy(md, { contacts: { value: null } })).not.toHaveProperty('contacts');
    expect(applyPolicy({}, { response_types: { value: ['code'] } })['response_types']).toEqual([
      'code',
    ]);
  });

  it('add unites, default fills only what is absent', () => {
    expect(
      applyPolicy(md, { contacts: { add: ['b@x.invalid', 'a@x.invalid'] } })['contacts'],
    ).toEqual(['a@x.invalid', 'b@x.invalid']);
    expect(
      applyPolicy(md, { token_endpoint_auth_method: { default: 'none' } })[
        'token_endpoint_auth_method'
      ],
    ).toBe('private_key_jwt');
    expect(
      applyPolicy({}, { token_endpoint_auth_method: { default: 'private_key_jwt' } })[
        'token_endpoint_auth_method'
      ],
    ).toBe('private_key_jwt');
  });

  it('one_of checks a single value; subset_of trims (keeping order); superset_of requires', () => {
    expect(() =>
      applyPolicy(md, { token_endpoint_auth_method: { one_of: ['client_secret_basic'] } }),
    ).toThrow(PolicyError);
    expect(
      applyPolicy(md, { grant_types: { subset_of: ['refresh_token', 'authorization_code'] } })[
        'grant_types'
      ],
    ).toEqual(['authorization_code']);
    expect(() => applyPolicy(md, { grant_types: { subset_of: ['refresh_token'] } })).toThrow(
      /nothing in/,
    );
    expect(() => applyPolicy(md, { grant_types: { superset_of: ['refresh_token'] } })).toThrow(
      /lacks/,
    );
    expect(applyPolicy(md, { grant_types: { superset_of: ['implicit'] } })['grant_types']).toEqual(
      md.grant_types,
    );
  });

  it('essential requires presence after the other operators; absent parameters are left to value/add/default', () => {
    expect(() => applyPolicy(md, { jwks: { essential: true } })).toThrow(/essential/);
    expect(applyPolicy(md, { jwks: { essential: true, default: { keys: [] } } })['jwks']).toEqual({
      keys: [],
    });
    expect(applyPolicy(md, { jwks: { one_of: ['x'] } })).not.toHaveProperty('jwks');
  });

  it('an unknown operator, or one_of with subset_of, makes the policy unusable', () => {
    expect(() => applyPolicy(md, { grant_types: { regexp: '.*' } as never })).toThrow(
      /unknown operator/,
    );
    expect(() => applyPolicy(md, { grant_types: { one_of: ['a'], subset_of: ['a'] } })).toThrow(
      /one_of/,
    );
  });

  it('operators apply in the standard order: add before subset_of', () => {
    const r = applyPolicy(
      { grant_types: ['authorization_code'] },
      {
        grant_types: {
          add: ['refresh_token', 'implicit'],
          subset_of: ['authorization_code', 'refresh_token'],
        },
      },
    );
    expect(r['grant_types']).toEqual(['authorization_code', 'refresh_token']);
  });
});

describe('combining a superior’s and a subordinate’s policies (anchor first)', () => {
  it('restricts: subset_of and one_of intersect, superset_of and add unite, essential ORs', () => {
    const p = combinePolicies([
      {
        grant_types: { subset_of: ['authorization_code', 'refresh_token'] },
        contacts: { add: ['ta@x.invalid'] },
        jwks: { essential: false },
      },
      {
        grant_types: { subset_of: ['authorization_code', 'implicit'] },
        contacts: { add: ['ia@x.invalid'] },
        jwks: { essential: true },
      },
    ]);
    expect(p['grant_types']).toEqual({ subset_of: ['authorization_code'] });
    expect(p['contacts']).toEqual({ add: ['ta@x.invalid', 'ia@x.invalid'] });
    expect(p['jwks']).toEqual({ essential: true });
  });

  it('refuses what would loosen or contradict: another value, disjoint sets', () => {
    expect(() => combinePolicies([{ a: { value: 'x' } }, { a: { value: 'y' } }])).toThrow(
      /different values/,
    );
    expect(() => combinePolicies([{ a: { one_of: ['x'] } }, { a: { one_of: ['y'] } }])).toThrow(
      /do not overlap/,
    );
    expect(combinePolicies([{ a: { value: 'x' } }, undefined, { a: { value: 'x' } }])).toEqual({
      a: { value: 'x' },
    });
  });
});
