import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { makeTempDir } from '../helpers/profiles.js';

const tmp = makeTempDir('kprof-config-');
afterAll(() => tmp.cleanup());

function file(name: string, text: string): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, text);
  return p;
}

function problems(text: string): string {
  try {
    resolveConfig({ config: file('bad.yml', text) }, {}, tmp.dir);
  } catch (err) {
    expect(err).toMatchObject({ code: 'KPROF_CONFIG_INVALID' });
    return (err as Error).message;
  }
  throw new Error('config was accepted');
}

describe('resolveConfig', () => {
  it('loads the seed Pyroscope OG config verbatim and keeps its scrape config', () => {
    const config = resolveConfig({ config: join(__dirname, 'seed-server-config.yml') }, {}, tmp.dir);
    expect(config.logLevel).toBe('debug');
    expect(config.scrapeConfigs.map((s) => s.jobName)).toEqual(['kubernetes-pods']);
    expect(config.scrapeConfigs[0]?.enabledProfiles).toEqual(['cpu', 'mem']);
    expect(config.scrapeConfigs[0]?.relabelRules.length).toBeGreaterThan(5);
  });

  it('applies defaults without a file', () => {
    const config = resolveConfig({}, {}, tmp.dir);
    expect(config.listen).toEqual({ host: undefined, port: 4040 });
    expect(config.dataDir).toBe(join(tmp.dir, 'data'));
    expect(config.ingest).toEqual(DEFAULTS.ingest);
    expect(config.auth).toEqual({ ingestTokens: [], queryTokens: [], multiTenant: false, scrapeTenant: 'anonymous' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('flags win over env, env over the file', () => {
    const cfg = file('layers.yml', 'listen: 127.0.0.1:7000\ndata-dir: /from-file\n');
    expect(resolveConfig({ config: cfg }, {}, tmp.dir)).toMatchObject({ listen: { host: '127.0.0.1', port: 7000 }, dataDir: '/from-file' });
    expect(resolveConfig({}, { KPROF_CONFIG: cfg, KPROF_LISTEN: ':7001', KPROF_DATA_DIR: '/from-env' }, tmp.dir)).toMatchObject({
      listen: { port: 7001 },
      dataDir: '/from-env',
    });
    expect(resolveConfig({ config: cfg, listen: '[::1]:7002', dataDir: '/from-flag' }, { KPROF_LISTEN: ':7001' }, tmp.dir)).toMatchObject({
      listen: { host: '::1', port: 7002 },
      dataDir: '/from-flag',
    });
  });

  it('reads kprof sections with units', () => {
    const config = resolveConfig(
      { config: file('units.yml', 'storage:\n  max-age: 7d\n  max-size-bytes: 2GiB\nquery:\n  max-range: 48h\ningest:\n  max-body-bytes: 512KiB\nauth:\n  ingest-tokens: [abcdefghijklmnop0123]\n  multi-tenant: true\n  scrape-tenant: ops\n') },
      {},
      tmp.dir,
    );
    expect(config.storage.maxAgeMs).toBe(7 * 86_400_000);
    expect(config.storage.maxSizeBytes).toBe(2 * 1024 ** 3);
    expect(config.query.maxRangeMs).toBe(48 * 3_600_000);
    expect(config.ingest.maxBodyBytes).toBe(512 * 1024);
    expect(config.auth.ingestTokens).toEqual(['abcdefghijklmnop0123']);
    expect(config.auth).toMatchObject({ multiTenant: true, scrapeTenant: 'ops' });
  });

  it.each([
    { name: 'unknown top-level key', yaml: 'listen: :4040\nstorge:\n  max-age: 1d\n', want: /bad\.yml:2: storge: unknown key/ },
    { name: 'unknown nested key', yaml: 'ingest:\n  max-body-bytes: 1MiB\n  max-bodies: 3\n', want: /bad\.yml:3: ingest\.max-bodies: unknown key; allowed keys: max-body-bytes/ },
    { name: 'bad scrape key', yaml: 'scrape-configs:\n  - job-name: a\n    scrape-intervall: 10s\n', want: /bad\.yml:3: scrape-configs\[0\]\.scrape-intervall: unknown key/ },
    { name: 'bad value', yaml: 'ingest:\n  max-samples: -4\n', want: /bad\.yml:2: ingest\.max-samples: expected a whole number ≥ 1 and ≤ 10000000, got -4/ },
    { name: 'bad listen', yaml: 'listen: localhost\n', want: /bad\.yml:1: listen: cannot read listen address "localhost"/ },
    { name: 'bad log level', yaml: 'log-level: loud\n', want: /log-level: unknown level "loud"; use one of fatal, error/ },
    { name: 'short token', yaml: 'auth:\n  query-tokens: [abc]\n', want: /bad\.yml:2: auth\.query-tokens\[0\]: a token must be at least 16 characters/ },
    { name: 'bad multi-tenant', yaml: 'auth:\n  multi-tenant: yes please\n', want: /bad\.yml:2: auth\.multi-tenant: expected true or false/ },
    { name: 'bad scrape tenant', yaml: 'auth:\n  scrape-tenant: ".."\n', want: /bad\.yml:2: auth\.scrape-tenant: "\.\." is not a valid tenant ID/ },
    { name: 'YAML syntax', yaml: 'listen: [\n', want: /YAML errors:\n\s+\S+bad\.yml:\d+:\d+:/ },
    { name: 'Helm values', yaml: 'pyroscopeConfigs:\n  log-level: debug\n', want: /pyroscopeConfigs: this looks like Helm values/ },
  ])('$name → names the key and line', ({ yaml, want }) => {
    expect(problems(yaml)).toMatch(want);
  });

  it('lists every problem at once', () => {
    const msg = problems('listen: nope\nlog-level: loud\ningest:\n  max-samples: 0\n');
    expect(msg).toMatch(/\(3 problems\)/);
  });

  it('a missing file is KPROF_CONFIG_UNREADABLE', () => {
    expect(() => resolveConfig({ config: join(tmp.dir, 'missing.yml') }, {}, tmp.dir)).toThrow(
      expect.objectContaining({ code: 'KPROF_CONFIG_UNREADABLE' }),
    );
  });
});
