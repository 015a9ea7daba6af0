import { describe, expect, it } from 'vitest';
import { DEFAULTS } from './defaults.js';
import { resolveConfig } from './resolve-config.js';
import type { SdkOptions } from './sdk-options.js';
import type { Logger } from '../logger.js';

function recordingLogger(): Logger & { warnings: Array<{ obj: Record<string, unknown>; msg: string | undefined }> } {
  const warnings: Array<{ obj: Record<string, unknown>; msg: string | undefined }> = [];
  const noop = (): void => {};
  return { warnings, debug: noop, info: noop, error: noop, warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }) };
}

describe('resolveConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const c = resolveConfig({ appName: 'svc' }, {});
    expect(c).toMatchObject({ ...DEFAULTS, appName: 'svc', tags: {}, sourceMapDirs: [] });
    expect(DEFAULTS.uploadIntervalMs).toBe(15_000);
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.tags)).toBe(true);
  });

  it('reads options from KPROF_* env vars when not given in code, and code wins over env', () => {
    const env = {
      KPROF_APP_NAME: 'from-env',
      KPROF_SERVER_ADDRESS: 'https://pyro.example/prefix',
      KPROF_TAGS: 'env=prod;region=eu',
      KPROF_SAMPLING_INTERVAL_MICROS: '20000',
      KPROF_COLLECT_CPU_TIME: 'false',
      KPROF_UPLOAD_INTERVAL_MS: '5000',
      KPROF_SOURCE_MAPS: '/a:/b',
      KPROF_AUTH_TOKEN: 'tok',
      KPROF_BASIC_AUTH_USER: 'u',
      KPROF_BASIC_AUTH_PASSWORD: 'p',
      KPROF_TENANT_ID: 't1',
    };
    const c = resolveConfig({}, env);
    expect(c).toMatchObject({
      appName: 'from-env', serverAddress: 'https://pyro.example/prefix', tags: { env: 'prod', region: 'eu' },
      samplingIntervalMicros: 20_000, collectCpuTime: false, uploadIntervalMs: 5_000, sourceMapDirs: ['/a', '/b'],
      authToken: 'tok', basicAuth: { user: 'u', password: 'p' }, tenantId: 't1',
    });
    const overridden = resolveConfig({ appName: 'code', uploadIntervalMs: 2_000, tags: { a: 'b' } }, env);
    expect(overridden).toMatchObject({ appName: 'code', uploadIntervalMs: 2_000, tags: { a: 'b' } });
  });

  it('sourceMaps: true searches the working directory', () => {
    expect(resolveConfig({ appName: 'a', sourceMaps: true }, {}).sourceMapDirs).toEqual([process.cwd()]);
    expect(resolveConfig({ appName: 'a', sourceMaps: false }, {}).sourceMapDirs).toEqual([]);
    expect(resolveConfig({ appName: 'a' }, { KPROF_SOURCE_MAPS: 'true' }).sourceMapDirs).toEqual([process.cwd()]);
  });

  it.each([
    { name: 'missing appName', options: {}, code: 'KPROF_CONFIG_APP_NAME' },
    { name: 'empty appName', options: { appName: ' ' }, code: 'KPROF_CONFIG_APP_NAME' },
    { name: 'appName with {', options: { appName: 'a{b' }, code: 'KPROF_CONFIG_APP_NAME' },
    { name: 'appName too long', options: { appName: 'a'.repeat(201) }, code: 'KPROF_CONFIG_APP_NAME' },
    { name: 'non-http serverAddress', options: { appName: 'a', serverAddress: 'ftp://x' }, code: 'KPROF_CONFIG_SERVER_ADDRESS' },
    { name: 'relative serverAddress', options: { appName: 'a', serverAddress: 'localhost:4040/x' }, code: 'KPROF_CONFIG_SERVER_ADDRESS' },
    { name: 'serverAddress with credentials', options: { appName: 'a', serverAddress: 'http://u:p@h:4040' }, code: 'KPROF_CONFIG_SERVER_ADDRESS' },
    { name: 'serverAddress with a query', options: { appName: 'a', serverAddress: 'http://h:4040/?x=1' }, code: 'KPROF_CONFIG_SERVER_ADDRESS' },
    { name: 'tag key not a label name', options: { appName: 'a', tags: { 'my-tag': 'v' } }, code: 'KPROF_CONFIG_TAGS' },
    { name: 'tag value with =', options: { appName: 'a', tags: { env: 'a=b' } }, code: 'KPROF_CONFIG_TAGS' },
    { name: 'tag value with ,', options: { appName: 'a', tags: { env: 'a,b' } }, code: 'KPROF_CONFIG_TAGS' },
    { name: 'tag value not a string', options: { appName: 'a', tags: { env: 1 } }, code: 'KPROF_CONFIG_TAGS' },
    { name: 'tags not an object', options: { appName: 'a', tags: 'env=prod' }, code: 'KPROF_CONFIG_TAGS' },
    { name: 'interval below the range', options: { appName: 'a', samplingIntervalMicros: 10 }, code: 'KPROF_CONFIG_INVALID_OPTION' },
    { name: 'interval not an integer', options: { appName: 'a', uploadIntervalMs: 1500.5 }, code: 'KPROF_CONFIG_INVALID_OPTION' },
    { name: 'heap interval as string', options: { appName: 'a', heapIntervalBytes: '512' }, code: 'KPROF_CONFIG_INVALID_OPTION' },
    { name: 'boolean as string', options: { appName: 'a', collectCpuTime: 'yes' }, code: 'KPROF_CONFIG_INVALID_OPTION' },
    { name: 'sourceMaps as string', options: { appName: 'a', sourceMaps: 'dist' }, code: 'KPROF_CONFIG_INVALID_OPTION' },
    { name: 'basicAuth without user', options: { appName: 'a', basicAuth: { password: 'p' } }, code: 'KPROF_CONFIG_INVALID_OPTION' },
    { name: 'logger without methods', options: { appName: 'a', logger: {} }, code: 'KPROF_CONFIG_INVALID_OPTION' },
    { name: 'unknown option (typo)', options: { appName: 'a', uploadIntervalMS: 1000 }, code: 'KPROF_CONFIG_UNKNOWN_OPTION' },
  ])('rejects $name with $code', ({ options, code }) => {
    expect(() => resolveConfig(options as unknown as SdkOptions, {})).toThrow(expect.objectContaining({ code, name: 'ConfigError' }));
  });

  it('names the option, the value and the accepted range in the message', () => {
    expect(() => resolveConfig({ appName: 'a', uploadIntervalMs: 10 }, {})).toThrow(
      /uploadIntervalMs is 10; it must be an integer from 1000 to 3600000; change uploadIntervalMs or leave it unset for 15000/,
    );
  });

  it.each([
    { name: 'interval not a number', env: { KPROF_UPLOAD_INTERVAL_MS: 'soon' }, key: 'uploadIntervalMs', value: 15_000 },
    { name: 'interval out of range', env: { KPROF_SAMPLING_INTERVAL_MICROS: '5' }, key: 'samplingIntervalMicros', value: 10_000 },
    { name: 'boolean not a boolean', env: { KPROF_HEAP_SAMPLING: 'maybe' }, key: 'heapSampling', value: true },
    { name: 'bad server address', env: { KPROF_SERVER_ADDRESS: 'not a url' }, key: 'serverAddress', value: 'http://localhost:4040' },
    { name: 'server address with credentials', env: { KPROF_SERVER_ADDRESS: 'http://u:p@h' }, key: 'serverAddress', value: 'http://localhost:4040' },
    { name: 'token with a newline', env: { KPROF_AUTH_TOKEN: 'a\nb' }, key: 'authToken', value: undefined },
    { name: 'basic auth user with :', env: { KPROF_BASIC_AUTH_USER: 'a:b', KPROF_BASIC_AUTH_PASSWORD: 'p' }, key: 'basicAuth', value: undefined },
    { name: 'bad tags', env: { KPROF_TAGS: 'env=a{b' }, key: 'tags', value: {} },
    { name: 'tag without =', env: { KPROF_TAGS: 'env' }, key: 'tags', value: {} },
  ])('a bad env var warns and falls back to the default: $name', ({ env, key, value }) => {
    const logger = recordingLogger();
    const c = resolveConfig({ appName: 'a', logger }, env) as unknown as Record<string, unknown>;
    expect(c[key]).toEqual(value);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]?.obj).toMatchObject({ env: Object.keys(env)[0] });
  });

  it('never logs secrets from env', () => {
    const logger = recordingLogger();
    resolveConfig({ appName: 'a', logger }, { KPROF_BASIC_AUTH_USER: 'user', KPROF_AUTH_TOKEN: 'secret-token' });
    expect(JSON.stringify(logger.warnings)).not.toContain('secret-token');
  });

  it('an invalid KPROF_APP_NAME with no appName in code is a ConfigError (there is no default name)', () => {
    const logger = recordingLogger();
    expect(() => resolveConfig({ logger }, { KPROF_APP_NAME: 'bad,name' })).toThrow(expect.objectContaining({ code: 'KPROF_CONFIG_APP_NAME' }));
    expect(logger.warnings).toHaveLength(1);
  });
});
