/** Rewrites the golden traces: `npx tsx traces/testing/generate-goldens.ts`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serializeTrace } from '../format/write.ts';
import { DEFAULT_CARD_SEED } from '../../emulator/src/profiles/default-card-image.ts';
import { CIE_GOLDEN_FILE, recordCieFlow } from './cie-golden.ts';
import { EMULATOR_GOLDENS, GOLDEN_DIR, importReal2018 } from './golden.ts';

writeFileSync(
  join(GOLDEN_DIR, 'real-card/pace-2018.trace.jsonl'),
  serializeTrace(importReal2018()),
);
for (const g of EMULATOR_GOLDENS)
  writeFileSync(join(GOLDEN_DIR, g.file), serializeTrace(await g.record()));
writeFileSync(
  join(GOLDEN_DIR, CIE_GOLDEN_FILE),
  serializeTrace(await recordCieFlow(DEFAULT_CARD_SEED)),
);
process.stdout.write(`wrote ${2 + EMULATOR_GOLDENS.length} golden traces under ${GOLDEN_DIR}\n`);
