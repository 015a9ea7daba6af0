// Where a benchmark's results go: bench/results/<name>-<start time>[-quick].json (everything
// measured) and .md (the report as printed), the time with `:` and `.` made `-` for file names.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** Writes `result` and `md` for a run of benchmark `name` started at `startedIso`; returns the .md path. */
export function writeResults(name, startedIso, { quick = false, result, md }) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stem = join(RESULTS_DIR, `${name}-${startedIso.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}`);
  writeFileSync(`${stem}.json`, JSON.stringify(result, null, 2));
  writeFileSync(`${stem}.md`, `${md}\n`);
  return `${stem}.md`;
}
