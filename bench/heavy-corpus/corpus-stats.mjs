// Reads gzipped pprof files with pprof-format and says what is in them: sizes, samples, locations,
// functions, sample types, stack depth (locations per sample), and each sample type's total.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

/** Figures of one gzipped pprof body. */
export function profileStats(gz) {
  const raw = gunzipSync(gz);
  const p = Profile.decode(raw);
  const str = (i) => p.stringTable.strings[Number(i)];
  let depthSum = 0;
  let maxDepth = 0;
  const totals = p.sampleType.map(() => 0);
  for (const s of p.sample) {
    depthSum += s.locationId.length;
    maxDepth = Math.max(maxDepth, s.locationId.length);
    s.value.forEach((v, i) => (totals[i] += Number(v)));
  }
  const types = p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`);
  return {
    gzBytes: gz.length,
    rawBytes: raw.length,
    samples: p.sample.length,
    locations: p.location.length,
    functions: p.function.length,
    sampleTypes: types,
    meanDepth: p.sample.length ? depthSum / p.sample.length : 0,
    maxDepth,
    totals: Object.fromEntries(types.map((t, i) => [t.split('/')[0], totals[i]])),
  };
}

export const fileStats = (file) => profileStats(readFileSync(file));

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** A markdown table of per-file stats plus a mean row; `rows` = [{ name, ...profileStats }]. */
export function statsTable(rows) {
  const kb = (b) => (b / 1024).toFixed(1);
  const line = (name, r) =>
    `| ${name} | ${kb(r.gzBytes)} | ${kb(r.rawBytes)} | ${Math.round(r.samples)} | ${Math.round(r.locations)} | ${Math.round(r.functions)} | ${r.meanDepth.toFixed(1)} | ${Math.round(r.maxDepth)} | ${r.sampleTypes ?? ''} |`;
  const avg = {};
  for (const k of ['gzBytes', 'rawBytes', 'samples', 'locations', 'functions', 'meanDepth', 'maxDepth']) avg[k] = mean(rows.map((r) => r[k]));
  return [
    '| file | gz KB | raw KB | samples | locations | functions | mean depth | max depth | sample types |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => line(r.name, { ...r, sampleTypes: r.sampleTypes.join(', ') })),
    line(`**mean of ${rows.length}**`, { ...avg, sampleTypes: '' }),
  ].join('\n');
}

/** Means of the figures over `rows`, for a one-line summary. */
export function statsSummary(rows) {
  const m = (k) => mean(rows.map((r) => r[k]));
  return {
    files: rows.length,
    gzKB: m('gzBytes') / 1024,
    rawKB: m('rawBytes') / 1024,
    samples: m('samples'),
    locations: m('locations'),
    functions: m('functions'),
    meanDepth: m('meanDepth'),
    maxDepth: Math.max(...rows.map((r) => r.maxDepth)),
  };
}
