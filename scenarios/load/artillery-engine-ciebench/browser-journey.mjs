// Processor of Artillery's Playwright engine (`config.processor: ../browser-journey.mjs`,
// `testFunction: ciebenchJourney`): each VU logs a citizen in through a catalogue journey in the
// browser Artillery launched, with the scenario runner's steps. The code is TypeScript in CIE
// Bench's sources (scenarios/load/artillery-browser.ts), run through tsx as index.mjs runs the
// ciebench engine; the scenario file is parsed with Artillery's own YAML parser (js-yaml, a
// dependency of artillery).
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { register } from 'tsx/esm/api';

register();
const { browserJourneyFunction } = await import('../artillery-browser.ts');

export const ciebenchJourney = browserJourneyFunction((file) =>
  yaml.safeLoad(readFileSync(file, 'utf8')),
);
