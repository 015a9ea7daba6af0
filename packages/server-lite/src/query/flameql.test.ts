import { describe, expect, it } from 'vitest';
import { matchesAll, parseQuery } from './flameql.js';

const og = { anchored: false } as const;
const prom = { anchored: true } as const;

function shape(q: string, opts: Parameters<typeof parseQuery>[1]): unknown {
  const r = parseQuery(q, opts);
  return { name: r.name, matchers: r.matchers.map((m) => [m.name, m.op, m.value]) };
}

describe('parseQuery, FlameQL (Pyroscope OG, unanchored)', () => {
  it.each([
    { name: 'bare app name', q: 'app.cpu', want: { name: 'app.cpu', matchers: [] } },
    { name: 'empty braces', q: 'app.cpu{}', want: { name: 'app.cpu', matchers: [] } },
    { name: 'surrounding whitespace', q: '  my-app/x.cpu{} ', want: { name: 'my-app/x.cpu', matchers: [] } },
    {
      name: 'all four operators, written order kept',
      q: 'app.cpu{a="1",b!="2",c=~"3",d!~"4"}',
      want: { name: 'app.cpu', matchers: [['a', '=', '1'], ['b', '!=', '2'], ['c', '=~', '3'], ['d', '!~', '4']] },
    },
    { name: 'comma inside a value', q: 'app{foo="bar,baz"}', want: { name: 'app', matchers: [['foo', '=', 'bar,baz']] } },
    {
      name: 'escaped quote kept raw (OG never unescapes)',
      q: 'app{foo="bar\\",\\"baz"}',
      want: { name: 'app', matchers: [['foo', '=', 'bar\\",\\"baz']] },
    },
    { name: 'dotted label key', q: 'app{service.namespace="x"}', want: { name: 'app', matchers: [['service.namespace', '=', 'x']] } },
    { name: 'empty terms skipped', q: 'app{a="1",,b="2",}', want: { name: 'app', matchers: [['a', '=', '1'], ['b', '=', '2']] } },
  ])('$name', ({ q, want }) => {
    expect(shape(q, og)).toEqual(want);
  });

  it.each([
    { name: 'empty query', q: '' },
    { name: 'braces without a name', q: '{}' },
    { name: 'only commas', q: 'app.name{,}' },
    { name: 'square brackets', q: 'app.name[foo="bar"]' },
    { name: '= in the name', q: 'app=name{}' },
    { name: 'missing closing brace', q: 'app.name{foo="bar"' },
    { name: 'reserved __name__', q: 'app{__name__="foo"}' },
    { name: 'empty value', q: 'app{foo=""}' },
    { name: 'unterminated value', q: 'app{foo="z}' },
    { name: 'unquoted value', q: 'app{foo=bar}' },
    { name: 'unknown operator ==', q: 'app{foo=="bar"}' },
    { name: 'unknown operator !', q: 'app{foo!"bar"}' },
    { name: 'no operator', q: 'app{foo}' },
    { name: 'bad key character', q: 'app{foo;bar="baz"}' },
    { name: 'invalid regex', q: 'app{foo=~"["}' },
    { name: 'Perl lookahead is not RE2', q: 'app{foo=~"(?=x)"}' },
  ])('rejects $name with KPROF_QUERY_BAD_SELECTOR', ({ q }) => {
    expect(() => parseQuery(q, og)).toThrow(expect.objectContaining({ code: 'KPROF_QUERY_BAD_SELECTOR' }));
  });

  it.each([
    { name: '= exact', q: 'a{k="bar"}', v: 'bar', want: true },
    { name: '= other value', q: 'a{k="bar"}', v: 'baz', want: false },
    { name: '!= same', q: 'a{k!="bar"}', v: 'bar', want: false },
    { name: '!= other', q: 'a{k!="bar"}', v: 'baz', want: true },
    { name: '=~ unanchored substring', q: 'a{k=~"ar"}', v: 'bar', want: true },
    { name: '=~ no match', q: 'a{k=~"^b$"}', v: 'bar', want: false },
    { name: '!~ unanchored', q: 'a{k!~"ar"}', v: 'bar', want: false },
    { name: '= absent label', q: 'a{k="bar"}', v: undefined, want: false },
    { name: '=~ absent label (even .*)', q: 'a{k=~".*"}', v: undefined, want: false },
    { name: '!= absent label passes', q: 'a{k!="bar"}', v: undefined, want: true },
    { name: '!~ absent label passes', q: 'a{k!~".*"}', v: undefined, want: true },
  ])('matches: $name → $want', ({ q, v, want }) => {
    const [m] = parseQuery(q, og).matchers;
    expect(m?.matches(v)).toBe(want);
  });
});

describe('parseQuery, Prometheus selectors (Grafana, anchored)', () => {
  it.each([
    { name: 'Grafana form without a name', q: '{service_name="x"}', want: { name: undefined, matchers: [['service_name', '=', 'x']] } },
    { name: 'empty selector', q: '{}', want: { name: undefined, matchers: [] } },
    { name: 'no braces, no name', q: '', want: { name: undefined, matchers: [] } },
    {
      name: 'profile type ID before braces',
      q: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="api"}',
      want: { name: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', matchers: [['service_name', '=', 'api']] },
    },
    {
      name: 'whitespace, trailing comma, empty value',
      q: '{ a = "1" , b != "" , }',
      want: { name: undefined, matchers: [['a', '=', '1'], ['b', '!=', '']] },
    },
    {
      name: 'Go escapes, single quotes and backticks',
      q: `{a="x\\"y\\n\\u00e9", b='it\\'s', c=\`raw\\n\`}`,
      want: { name: undefined, matchers: [['a', '=', 'x"y\né'], ['b', '=', "it's"], ['c', '=', 'raw\\n']] },
    },
    { name: 'quoted label name (Prometheus 3)', q: '{"service.name"="x"}', want: { name: undefined, matchers: [['service.name', '=', 'x']] } },
    { name: '__name__ allowed', q: '{__name__="app"}', want: { name: undefined, matchers: [['__name__', '=', 'app']] } },
  ])('$name', ({ q, want }) => {
    expect(shape(q, prom)).toEqual(want);
  });

  it.each([
    { name: 'leading comma', q: '{,a="1"}' },
    { name: 'label starting with a digit', q: '{1a="x"}' },
    { name: 'unterminated string', q: '{a="x}' },
    { name: 'unknown escape', q: '{a="\\q"}' },
    { name: 'missing comma', q: '{a="1" b="2"}' },
    { name: 'name required when asked', q: '{a="1"}', opts: { anchored: true, requireName: true } },
  ])('rejects $name with KPROF_QUERY_BAD_SELECTOR', ({ q, opts }) => {
    expect(() => parseQuery(q, opts ?? prom)).toThrow(expect.objectContaining({ code: 'KPROF_QUERY_BAD_SELECTOR' }));
  });

  it.each([
    { name: '=~ is anchored', q: '{k=~"ar"}', v: 'bar', want: false },
    { name: '=~ full match', q: '{k=~"b.r"}', v: 'bar', want: true },
    { name: '=~ dot matches newline (?s)', q: '{k=~"a.b"}', v: 'a\nb', want: true },
    { name: '!~ anchored', q: '{k!~"ar"}', v: 'bar', want: true },
    { name: '="" selects absent label', q: '{k=""}', v: undefined, want: true },
    { name: '!="" rejects absent label', q: '{k!=""}', v: undefined, want: false },
    { name: '=~".*" matches absent label', q: '{k=~".*"}', v: undefined, want: true },
    { name: '= absent label', q: '{k="x"}', v: undefined, want: false },
    { name: '!~ absent label', q: '{k!~"x"}', v: undefined, want: true },
  ])('matches: $name → $want', ({ q, v, want }) => {
    const [m] = parseQuery(q, prom).matchers;
    expect(m?.matches(v)).toBe(want);
  });

  it('matchesAll applies every matcher to a label set', () => {
    const { matchers } = parseQuery('{service_name="api", env=~"prod|staging", pod!~"canary-.*"}', prom);
    expect(matchesAll(matchers, { service_name: 'api', env: 'prod', pod: 'api-1' })).toBe(true);
    expect(matchesAll(matchers, { service_name: 'api', env: 'production', pod: 'api-1' })).toBe(false);
    expect(matchesAll(matchers, { service_name: 'api', env: 'staging', pod: 'canary-2' })).toBe(false);
    expect(matchesAll(matchers, { env: 'prod' })).toBe(false);
  });
});

describe('parseQuery limits', () => {
  it.each([
    { name: 'query too long', q: `app{a="${'x'.repeat(20_000)}"}`, opts: og, code: 'KPROF_QUERY_TOO_LONG' },
    {
      name: 'too many matchers',
      q: `{${Array.from({ length: 65 }, (_, i) => `l${i}="v"`).join(',')}}`,
      opts: prom,
      code: 'KPROF_QUERY_TOO_MANY_MATCHERS',
    },
    { name: 'regex over 1 KiB', q: `app{a=~"${'a'.repeat(1025)}"}`, opts: og, code: 'KPROF_QUERY_REGEX_TOO_LONG' },
    { name: 'custom regex limit', q: '{a=~"abcdef"}', opts: { anchored: true, maxRegexChars: 5 }, code: 'KPROF_QUERY_REGEX_TOO_LONG' },
  ])('$name → $code', ({ q, opts, code }) => {
    expect(() => parseQuery(q, opts)).toThrow(expect.objectContaining({ code }));
  });

  it('accepts exactly the limits', () => {
    expect(parseQuery(`{${Array.from({ length: 64 }, (_, i) => `l${i}="v"`).join(',')}}`, prom).matchers).toHaveLength(64);
    expect(parseQuery(`app{a=~"${'a'.repeat(1024)}"}`, og).matchers).toHaveLength(1);
  });

  it('stays linear on a catastrophic-backtracking pattern (RE2)', () => {
    const [m] = parseQuery('{k=~"(a+)+$"}', prom).matchers;
    expect(m?.matches(`${'a'.repeat(50_000)}b`)).toBe(false);
  });

  it('names the query and the offset in syntax errors', () => {
    expect(() => parseQuery('app{foo=bar}', og)).toThrow(/query "app\{foo=bar\}": .* at offset 8/);
  });
});
