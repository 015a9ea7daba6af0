import { describe, expect, it } from 'vitest';
import { SDK_DEFAULTS } from '../config/defaults.js';
import { ConfigError } from '../errors.js';
import type { PushExporterOptions } from './exporter-options.js';
import { DEFAULT_SAMPLE_RATE_HZ, resolveExporterOptions } from './exporter-options.js';

const VALID: PushExporterOptions = { serverAddress: 'http://localhost:4040', appName: 'api', tags: { env: 'prod' } };

describe('resolveExporterOptions', () => {
  it('fills the defaults of the SDK defaults table', () => {
    const resolved = resolveExporterOptions(VALID);
    const { options, push } = SDK_DEFAULTS;
    expect(resolved).toMatchObject({
      spyName: 'nodespy',
      seriesName: 'api{env=prod}',
      headers: { 'content-type': 'application/octet-stream' },
      authSummary: { auth: 'none', tenant: false },
      requestTimeoutMs: options.requestTimeoutMs.default,
      maxQueueSize: options.maxQueueSize.default,
      maxRetries: options.maxRetries.default,
      maxQueueBytes: push.maxQueueBytes.default,
      retryBaseMs: push.retryBaseMs.default,
      retryMaxMs: push.retryMaxMs.default,
    });
    expect(resolved.endpoint.href).toBe('http://localhost:4040/ingest');
    expect(DEFAULT_SAMPLE_RATE_HZ).toBe(100);
  });

  it.each<{ name: string; change: Partial<PushExporterOptions>; code: string; mentions: string }>([
    { name: 'relative server address', change: { serverAddress: 'localhost:4040/x y' }, code: 'KPROF_EXPORT_INVALID_SERVER_ADDRESS', mentions: 'serverAddress' },
    { name: 'server address with query', change: { serverAddress: 'http://h/?a=1' }, code: 'KPROF_EXPORT_INVALID_SERVER_ADDRESS', mentions: "'http://h/?a=1'" },
    { name: 'empty app name', change: { appName: '' }, code: 'KPROF_EXPORT_INVALID_SERIES_NAME', mentions: 'appName' },
    { name: 'brace in app name', change: { appName: 'api{x}' }, code: 'KPROF_EXPORT_INVALID_SERIES_NAME', mentions: "contains '{'" },
    { name: 'comma in tag value', change: { tags: { env: 'a,b' } }, code: 'KPROF_EXPORT_INVALID_SERIES_NAME', mentions: 'tags.env' },
    { name: 'equals in tag name', change: { tags: { 'a=b': 'x' } }, code: 'KPROF_EXPORT_INVALID_SERIES_NAME', mentions: "tag name 'a=b'" },
    { name: 'non-string tag value', change: { tags: { n: 1 as unknown as string } }, code: 'KPROF_EXPORT_INVALID_SERIES_NAME', mentions: 'tags.n' },
    { name: 'zero timeout', change: { requestTimeoutMs: 0 }, code: 'KPROF_EXPORT_INVALID_OPTION', mentions: 'requestTimeoutMs is 0' },
    { name: 'fractional queue size', change: { maxQueueSize: 2.5 }, code: 'KPROF_EXPORT_INVALID_OPTION', mentions: 'maxQueueSize is 2.5' },
    { name: 'NaN queue bytes', change: { maxQueueBytes: Number.NaN }, code: 'KPROF_EXPORT_INVALID_OPTION', mentions: 'maxQueueBytes is NaN' },
    { name: 'negative retries', change: { maxRetries: -1 }, code: 'KPROF_EXPORT_INVALID_OPTION', mentions: 'maxRetries is -1' },
    { name: 'retry cap below base', change: { retryBaseMs: 5_000, retryMaxMs: 1_000 }, code: 'KPROF_EXPORT_INVALID_OPTION', mentions: 'from 5000' },
    { name: 'empty spy name', change: { spyName: '' }, code: 'KPROF_EXPORT_INVALID_OPTION', mentions: 'spyName' },
    { name: 'newline in token', change: { authToken: 'abc\r\nX-Evil: 1' }, code: 'KPROF_EXPORT_INVALID_AUTH', mentions: 'authToken' },
    { name: 'colon in basic user', change: { basicAuth: { user: 'a:b', password: 'p' } }, code: 'KPROF_EXPORT_INVALID_AUTH', mentions: 'basicAuth.user' },
  ])('refuses $name', ({ change, code, mentions }) => {
    let thrown: unknown;
    try {
      resolveExporterOptions({ ...VALID, ...change });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({ code, message: expect.stringContaining(mentions) });
  });

  it('never echoes a server address that carries credentials', () => {
    expect(() => resolveExporterOptions({ ...VALID, serverAddress: 'http://u:hunter2@h' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('never echoes credentials in auth errors', () => {
    expect(() => resolveExporterOptions({ ...VALID, authToken: 'hunter2\n' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});
