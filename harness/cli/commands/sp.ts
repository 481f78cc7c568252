/** `ciebench sp …` lives with the feature (scenarios/cli/sp.ts); re-exported for auto-discovery. */
export { register } from '../../../scenarios/cli/sp.ts';
