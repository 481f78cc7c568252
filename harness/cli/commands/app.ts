/** `ciebench app …` lives with the app agent (scenarios/cli/app.ts); re-exported for auto-discovery. */
export { register } from '../../../scenarios/cli/app.ts';
