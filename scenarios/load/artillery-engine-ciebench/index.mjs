// Entry of the Artillery engine `ciebench`: Artillery imports `artillery-engine-<engine>` (found
// through NODE_PATH, see the README) and constructs its default export once per worker thread. The
// engine itself is TypeScript in CIE Bench's sources (scenarios/load/artillery-engine.ts), run
// through tsx as the `ciebench` command runs them.
import { register } from 'tsx/esm/api';

register();
const { CiebenchEngine } = await import('../artillery-engine.ts');

export default CiebenchEngine;
