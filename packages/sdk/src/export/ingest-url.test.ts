import { describe, expect, it } from 'vitest';
import { buildIngestUrl, findReservedChar, formatSeriesName, resolveIngestEndpoint } from './ingest-url.js';

// 2026-11-25T05:41:30.999Z and 15 s later: from/until are whole seconds rounded down.
const START_MS = 1_795_412_490_999;
const END_MS = START_MS + 15_000;

describe('resolveIngestEndpoint', () => {
  it.each([
    { name: 'bare origin', input: 'http://localhost:4040', href: 'http://localhost:4040/ingest' },
    { name: 'origin with slash', input: 'http://localhost:4040/', href: 'http://localhost:4040/ingest' },
    { name: 'path prefix', input: 'https://example.com/pyroscope', href: 'https://example.com/pyroscope/ingest' },
    { name: 'path prefix with slash', input: 'https://example.com/pyroscope/', href: 'https://example.com/pyroscope/ingest' },
    { name: 'several trailing slashes', input: 'http://h:1/a/b//', href: 'http://h:1/a/b/ingest' },
    { name: 'default port dropped', input: 'https://example.com:443', href: 'https://example.com/ingest' },
    { name: 'ipv6 loopback', input: 'http://[::1]:4040', href: 'http://[::1]:4040/ingest' },
  ])('$name', ({ input, href }) => {
    expect(resolveIngestEndpoint(input)?.href).toBe(href);
  });

  it.each([
    { name: 'not a URL', input: 'localhost:4040x y' },
    { name: 'no scheme', input: '/ingest' },
    { name: 'ftp scheme', input: 'ftp://example.com' },
    { name: 'query string', input: 'http://example.com/?tenant=a' },
    { name: 'fragment', input: 'http://example.com/#x' },
    { name: 'credentials', input: 'http://user:secret@example.com' },
    { name: 'empty', input: '' },
  ])('refuses $name', ({ input }) => {
    expect(resolveIngestEndpoint(input)).toBeUndefined();
  });
});

describe('formatSeriesName', () => {
  it.each<{ name: string; app: string; tags: Record<string, string>; expected: string }>([
    { name: 'no tags', app: 'checkout', tags: {}, expected: 'checkout{}' },
    { name: 'tags sorted by key', app: 'api', tags: { zone: 'b', env: 'prod', app_version: '1.2' }, expected: 'api{app_version=1.2,env=prod,zone=b}' },
    { name: 'dotted keys (as @pyroscope/nodejs sends)', app: 'svc', tags: { 'process.runtime.name': 'nodejs', 'otel.scope.name': 'x' }, expected: 'svc{otel.scope.name=x,process.runtime.name=nodejs}' },
    { name: 'upper case sorts before lower case', app: 'a', tags: { b: '1', B: '2' }, expected: 'a{B=2,b=1}' },
    { name: 'empty value kept', app: 'a', tags: { k: '' }, expected: 'a{k=}' },
  ])('$name', ({ app, tags, expected }) => {
    expect(formatSeriesName(app, tags)).toBe(expected);
  });

  it.each([
    { name: 'open brace', text: 'a{b', reserved: '{' },
    { name: 'close brace', text: 'a}', reserved: '}' },
    { name: 'comma', text: 'a,b', reserved: ',' },
    { name: 'equals', text: 'k=v', reserved: '=' },
    { name: 'allowed punctuation', text: 'my-app.v1_2/3:4 x&y#z+%', reserved: undefined },
  ])('findReservedChar: $name', ({ text, reserved }) => {
    expect(findReservedChar(text)).toBe(reserved);
  });
});

describe('buildIngestUrl', () => {
  const endpoint = (address: string): URL => {
    const url = resolveIngestEndpoint(address);
    if (!url) throw new Error(`test setup: ${address} should resolve`);
    return url;
  };

  it.each([
    {
      name: 'time profile, default spy',
      server: 'http://localhost:4040',
      seriesName: 'api{env=prod}',
      sampleRateHz: 100,
      expected:
        'http://localhost:4040/ingest?format=pprof&from=1795412490&name=api%7Benv%3Dprod%7D&spyName=nodespy&until=1795412505&sampleRate=100',
    },
    {
      name: 'heap profile has no sampleRate',
      server: 'http://localhost:4040',
      seriesName: 'api{}',
      sampleRateHz: undefined,
      expected: 'http://localhost:4040/ingest?format=pprof&from=1795412490&name=api%7B%7D&spyName=nodespy&until=1795412505',
    },
    {
      name: 'path prefix with trailing slash',
      server: 'https://grafana.example.com/pyroscope/',
      seriesName: 'api{}',
      sampleRateHz: 100,
      expected:
        'https://grafana.example.com/pyroscope/ingest?format=pprof&from=1795412490&name=api%7B%7D&spyName=nodespy&until=1795412505&sampleRate=100',
    },
    {
      name: 'form encoding of tag values: space, slash, colon, ampersand, hash, plus, percent, unicode',
      server: 'http://h',
      seriesName: 'a{route=/users/:id x,q=a&b#c+d%e,city=Zürich}',
      sampleRateHz: 100,
      expected:
        'http://h/ingest?format=pprof&from=1795412490&name=a%7Broute%3D%2Fusers%2F%3Aid+x%2Cq%3Da%26b%23c%2Bd%25e%2Ccity%3DZ%C3%BCrich%7D&spyName=nodespy&until=1795412505&sampleRate=100',
    },
    {
      name: 'dots, dashes and underscores stay literal, tilde is encoded',
      server: 'http://h',
      seriesName: 'my-app_1{otel.scope.name=com.grafana~x}',
      sampleRateHz: 100,
      expected:
        'http://h/ingest?format=pprof&from=1795412490&name=my-app_1%7Botel.scope.name%3Dcom.grafana%7Ex%7D&spyName=nodespy&until=1795412505&sampleRate=100',
    },
    {
      name: 'fractional sample rate rounded',
      server: 'http://h',
      seriesName: 'a{}',
      sampleRateHz: 99.6,
      expected: 'http://h/ingest?format=pprof&from=1795412490&name=a%7B%7D&spyName=nodespy&until=1795412505&sampleRate=100',
    },
  ])('$name', ({ server, seriesName, sampleRateHz, expected }) => {
    const url = buildIngestUrl(endpoint(server), {
      seriesName,
      spyName: 'nodespy',
      startMs: START_MS,
      endMs: END_MS,
      ...(sampleRateHz !== undefined ? { sampleRateHz } : {}),
    });
    expect(url).toBe(expected);
    // Whatever the encoding, a standard parser must get the exact series name back.
    expect(new URL(url).searchParams.get('name')).toBe(seriesName);
  });

  it('sends a sub-second window as equal from and until', () => {
    const url = new URL(
      buildIngestUrl(endpoint('http://h'), { seriesName: 'a{}', spyName: 'nodespy', startMs: 1_000_100, endMs: 1_000_900 }),
    );
    expect(url.searchParams.get('from')).toBe('1000');
    expect(url.searchParams.get('until')).toBe('1000');
  });
});
