// The README's tables are documentation of tables in the source: each row must say what the source says.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SDK_DEFAULTS } from '../src/config/defaults.js';
import { ENV_NAMES } from '../src/config/env-options.js';
import { SDK_OPTION_NAMES } from '../src/config/sdk-options.js';
import { ERROR_CODES } from '../src/error-codes.js';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** Rows of the table under `## <heading>`, keyed by the first cell's backticked name, with the other cells. */
function tableRows(heading: string): Map<string, string[]> {
  const section = readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  const rows = [...section.matchAll(/^\| `([A-Za-z_]+)` \|(.+)\|$/gm)];
  return new Map(rows.map((m) => [m[1] as string, (m[2] as string).split(' | ').map((cell) => cell.trim())]));
}

/** 1 000 000, as the README writes numbers. */
const formatNumber = (n: number): string => String(n).replace(/\B(?=(\d{3})+$)/g, ' ');

describe('README options table', () => {
  const rows = tableRows('Options');
  const { options, seriesName } = SDK_DEFAULTS;

  it('lists every start() option, and only those', () => {
    expect([...rows.keys()].sort()).toEqual([...SDK_OPTION_NAMES].sort());
  });

  it.each(Object.entries(options))('%s: the default (and range) of the defaults table', (name, value) => {
    const [type, shownDefault] = rows.get(name) ?? [];
    if (typeof value === 'object') {
      expect(type).toMatch(new RegExp(`^integer ${formatNumber(value.min)} – ${formatNumber(value.max)}\\b`));
      expect(shownDefault).toMatch(new RegExp(`^${formatNumber(value.default)}\\b`));
    } else {
      expect(shownDefault).toBe(typeof value === 'string' ? `\`${value}\`` : String(value));
    }
  });

  it.each([
    { name: 'appName', text: `≤ ${seriesName.maxAppNameChars} chars` },
    { name: 'tags', text: `≤ ${seriesName.maxTags} tags` },
    { name: 'sourceMaps', text: `(≤ ${SDK_DEFAULTS.maxSourceMapDirs})` },
  ])('$name: the bound of the defaults table', ({ name, text }) => {
    expect(rows.get(name)?.[0]).toContain(text);
  });

  it.each(Object.entries(ENV_NAMES))('%s: its environment variable %s', (key, envName) => {
    const option = key.startsWith('basicAuth') ? 'basicAuth' : key;
    expect(rows.get(option)?.[3]).toContain(`\`${envName}\``);
  });
});

describe('README error-code table', () => {
  it('lists every code of the registry, and only those, with its meaning and fix', () => {
    const documented = Object.fromEntries([...tableRows('Error codes')].map(([code, [meaning, fix]]) => [code, { meaning, fix }]));
    const registered = Object.fromEntries(Object.entries(ERROR_CODES).map(([code, { meaning, fix }]) => [code, { meaning, fix }]));
    expect(documented).toEqual(registered);
  });
});
