#!/usr/bin/env node
// Re-renders a saved run: node report.mjs ../results/sdk-overhead-<time>.json
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { poolResults, renderHeader } from './pool-results.mjs';

const { positionals: [file] } = parseArgs({ allowPositionals: true, options: {} });
if (!file) { process.stderr.write('usage: node report.mjs <results .json>\n'); process.exit(2); }
const { meta, records } = JSON.parse(readFileSync(file, 'utf8'));
const { markdown } = poolResults(records, meta.options.arms);
process.stdout.write(`${renderHeader(meta)}\n\n${markdown}\n`);
