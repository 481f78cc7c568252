/**
 * Metadata policy (OpenID Federation 1.0 §6.1): the operators a superior's subordinate statement
 * places on a subordinate's metadata, combined down the chain and applied to the leaf's metadata.
 *
 * Operators and the order they are applied in: `value` (set, or remove with null), `add` (union
 * into an array), `default` (when absent), `one_of` (single value among), `subset_of` (array
 * reduced to the intersection), `superset_of` (array must contain), `essential` (must be present).
 * Where the standard leaves room, the CIE reference implementation decides
 * (italia/spid-cie-oidc-django `spid_cie_oidc/entity/policy.py`): an empty `subset_of` intersection
 * is a policy error, not an empty list, and a combination of superiors' policies may only restrict.
 */

export type Operator =
  'value' | 'add' | 'default' | 'one_of' | 'subset_of' | 'superset_of' | 'essential';

export const OPERATORS: readonly Operator[] = [
  'value',
  'add',
  'default',
  'one_of',
  'subset_of',
  'superset_of',
  'essential',
];

/** Operators for one metadata parameter. */
export type ParameterPolicy = Partial<Record<Operator, unknown>>;
/** Policy for one entity type's metadata: parameter name → operators. */
export type TypePolicy = Readonly<Record<string, ParameterPolicy>>;

export class PolicyError extends Error {
  readonly parameter: string;
  constructor(parameter: string, message: string) {
    super(`${parameter}: ${message}`);
    this.parameter = parameter;
  }
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const union = (a: unknown[], b: unknown[]): unknown[] => [
  ...a,
  ...b.filter((x) => !a.some((y) => same(x, y))),
];
const intersection = (a: unknown[], b: unknown[]): unknown[] =>
  a.filter((x) => b.some((y) => same(x, y)));

function checkOperators(name: string, p: ParameterPolicy): void {
  for (const k of Object.keys(p))
    if (!(OPERATORS as readonly string[]).includes(k))
      throw new PolicyError(
        name,
        `unknown operator '${k}' (a critical one: the policy cannot be applied)`,
      );
  if ('one_of' in p && ('subset_of' in p || 'superset_of' in p))
    throw new PolicyError(name, 'one_of cannot be combined with subset_of/superset_of');
}

/** Combines a superior's policy for one parameter with a subordinate's (the result only restricts). */
function combineParameter(
  name: string,
  sup: ParameterPolicy,
  sub: ParameterPolicy,
): ParameterPolicy {
  checkOperators(name, sup);
  checkOperators(name, sub);
  const out: ParameterPolicy = { ...sup };
  for (const op of OPERATORS) {
    if (!(op in sub)) continue;
    const a = sup[op];
    const b = sub[op];
    if (!(op in sup)) {
      out[op] = b;
      continue;
    }
    switch (op) {
      case 'value':
      case 'default':
        if (!same(a, b))
          throw new PolicyError(name, `superior and subordinate set different ${op}s`);
        break;
      case 'add':
      case 'superset_of':
        out[op] = union(asArray(a), asArray(b));
        break;
      case 'one_of':
      case 'subset_of': {
        const both = intersection(asArray(a), asArray(b));
        if (both.length === 0) throw new PolicyError(name, `the ${op} sets do not overlap`);
        out[op] = both;
        break;
      }
      case 'essential':
        out[op] = a === true || b === true;
        break;
    }
  }
  checkOperators(name, out);
  return out;
}

/** Combines policies from the top of the chain (trust anchor) down. */
export function combinePolicies(policies: readonly (TypePolicy | undefined)[]): TypePolicy {
  let acc: Record<string, ParameterPolicy> = {};
  for (const p of policies) {
    if (!p) continue;
    const next: Record<string, ParameterPolicy> = { ...acc };
    for (const [name, pol] of Object.entries(p))
      next[name] = name in acc ? combineParameter(name, acc[name] as ParameterPolicy, pol) : pol;
    acc = next;
  }
  return acc;
}

function applyParameter(
  name: string,
  present: boolean,
  current: unknown,
  p: ParameterPolicy,
): { present: boolean; value: unknown } {
  checkOperators(name, p);
  let has = present;
  let v = current;
  if ('value' in p) {
    if (p.value === null) return { present: false, value: undefined };
    has = true;
    v = p.value;
  } else {
    if ('add' in p) {
      has = true;
      v = union(asArray(v), asArray(p.add));
    }
    if (!has && 'default' in p) {
      has = true;
      v = p.default;
    }
    if (has && 'one_of' in p && !asArray(p.one_of).some((x) => same(x, v)))
      throw new PolicyError(name, `${JSON.stringify(v)} is not one of ${JSON.stringify(p.one_of)}`);
    if (has && 'subset_of' in p) {
      const kept = intersection(asArray(v), asArray(p.subset_of));
      if (kept.length === 0)
        throw new PolicyError(
          name,
          `${JSON.stringify(v)} has nothing in ${JSON.stringify(p.subset_of)}`,
        );
      v = kept;
    }
    if (has && 'superset_of' in p) {
      const missing = asArray(p.superset_of).filter((x) => !asArray(v).some((y) => same(x, y)));
      if (missing.length > 0)
        throw new PolicyError(name, `${JSON.stringify(v)} lacks ${JSON.stringify(missing)}`);
    }
  }
  if (p.essential === true && !has) throw new PolicyError(name, 'essential parameter missing');
  return { present: has, value: v };
}

/** Applies a (combined) policy to one entity type's metadata; throws {@link PolicyError}. */
export function applyPolicy(
  metadata: Readonly<Record<string, unknown>>,
  policy: TypePolicy,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...metadata };
  for (const [name, p] of Object.entries(policy)) {
    const r = applyParameter(name, name in out, out[name], p);
    if (r.present) out[name] = r.value;
    else delete out[name];
  }
  return out;
}
