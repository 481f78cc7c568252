/** `ciebench idp …` lives with the identity provider (scenarios/cli/idp.ts); re-exported for discovery. */
export { register } from '../../../scenarios/cli/idp.ts';
