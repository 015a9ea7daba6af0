import { describe, expect, it } from 'vitest';
import { compileRelabelConfig, RELABEL_DEFAULTS, type Labels, type RelabelConfig, type RelabelRule } from '../config/relabel-rules.js';
import { hashMod, relabel } from './relabel.js';

// Cases are pinned to Prometheus semantics (model/relabel, Prometheus 3: regex anchored as
// `^(?s:RE)$`, legacy label-name validation). Expected values come from Prometheus's own
// relabel tests where one exists (hashmod 976/734, the boobam/boooom chain, …).

type RuleInput = { -readonly [K in Exclude<keyof RelabelConfig, 'modulus'>]?: RelabelConfig[K] } & { modulus?: number | bigint };

function config(p: RuleInput): RelabelConfig {
  return { ...RELABEL_DEFAULTS, ...p, modulus: BigInt(p.modulus ?? 0) } as RelabelConfig;
}

function rules(...ps: RuleInput[]): RelabelRule[] {
  return ps.map((p) => {
    const result = compileRelabelConfig(config(p));
    if (!result.ok) throw new Error(`test rule does not compile: ${result.errors.join('; ')}`);
    return result.rule;
  });
}

interface Case {
  name: string;
  input: Labels;
  rules: RuleInput[];
  /** `null` = the target is dropped. */
  output: Labels | null;
}

const cases: Case[] = [
  {
    name: 'replace with ${1} twice',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [{ sourceLabels: ['a'], regex: 'f(.*)', targetLabel: 'd', replacement: 'ch${1}-ch${1}' }],
    output: { a: 'foo', b: 'bar', c: 'baz', d: 'choo-choo' },
  },
  {
    name: 'chained replaces see earlier results',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [
      { sourceLabels: ['a', 'b'], regex: 'f(.*);(.*)r', targetLabel: 'a', replacement: 'b${1}${2}m' },
      { sourceLabels: ['c', 'a'], regex: '(b).*b(.*)ba(.*)', targetLabel: 'd', replacement: '$1$2$2$3' },
    ],
    output: { a: 'boobam', b: 'bar', c: 'baz', d: 'boooom' },
  },
  {
    name: 'drop stops the rule chain',
    input: { a: 'foo' },
    rules: [
      { sourceLabels: ['a'], regex: '.*o.*', action: 'drop' },
      { sourceLabels: ['a'], regex: 'f(.*)', targetLabel: 'd', replacement: 'ch$1-ch$1' },
    ],
    output: null,
  },
  {
    name: 'drop without a match keeps the target',
    input: { a: 'foo' },
    rules: [{ sourceLabels: ['a'], regex: 'no-match', action: 'drop' }],
    output: { a: 'foo' },
  },
  {
    name: 'regex is anchored: f|o does not match foo',
    input: { a: 'foo' },
    rules: [{ sourceLabels: ['a'], regex: 'f|o', action: 'drop' }],
    output: { a: 'foo' },
  },
  {
    name: 'keep without a match drops',
    input: { a: 'foo' },
    rules: [{ sourceLabels: ['a'], regex: 'no-match', action: 'keep' }],
    output: null,
  },
  {
    name: 'keep with a match keeps',
    input: { a: 'foo' },
    rules: [{ sourceLabels: ['a'], regex: 'f.*', action: 'keep' }],
    output: { a: 'foo' },
  },
  {
    name: 'keep on a missing label matches the empty string',
    input: { a: 'foo' },
    rules: [{ sourceLabels: ['missing'], regex: '', action: 'keep' }],
    output: { a: 'foo' },
  },
  {
    name: 'replace picks the group inside a greedy match',
    input: { a: 'abc' },
    rules: [{ sourceLabels: ['a'], regex: '.*(b).*', targetLabel: 'd' }],
    output: { a: 'abc', d: 'b' },
  },
  {
    name: 'replace without a match changes nothing',
    input: { a: 'boo' },
    rules: [{ sourceLabels: ['a'], regex: 'f', targetLabel: 'b', replacement: 'bar' }],
    output: { a: 'boo' },
  },
  {
    name: 'replace with an empty result deletes the expanded target',
    input: { a: 'foo', f: 'baz' },
    rules: [{ sourceLabels: ['a'], regex: '(f).*', targetLabel: '$1', replacement: '$2' }],
    output: { a: 'foo' },
  },
  {
    name: 'replace into a target named by groups',
    input: { a: 'some-name-value' },
    rules: [{ sourceLabels: ['a'], regex: 'some-([^-]+)-([^,]+)', targetLabel: '${1}', replacement: '${2}' }],
    output: { a: 'some-name-value', name: 'value' },
  },
  {
    name: 'replace with a missing group deletes nothing that does not exist',
    input: { a: 'some-name-value' },
    rules: [{ sourceLabels: ['a'], regex: 'some-([^-]+)-([^,]+)', targetLabel: '${1}', replacement: '${3}' }],
    output: { a: 'some-name-value' },
  },
  {
    name: 'replace whose expanded target is not a label name is a no-op',
    input: { a: 'some-name-0' },
    rules: [
      { sourceLabels: ['a'], regex: 'some-([^-]+)-([^,]+)', targetLabel: '${3}', replacement: '${1}' },
      { sourceLabels: ['a'], regex: 'some-([^-]+)(-[^,]+)', targetLabel: '${3}', replacement: '${1}' },
      { sourceLabels: ['a'], regex: 'some-([^-]+)-([^,]+)', targetLabel: 'x${2}', replacement: '${1}' },
    ],
    output: { a: 'some-name-0', x0: 'name' },
  },
  {
    name: 'real-life tag parsing with (?:.+,|^) alternations',
    input: { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar' },
    rules: [
      { sourceLabels: ['__meta_sd_tags'], regex: '(?:.+,|^)path:(/[^,]+).*', targetLabel: '__metrics_path__', replacement: '${1}' },
      { sourceLabels: ['__meta_sd_tags'], regex: '(?:.+,|^)job:([^,]+).*', targetLabel: 'job', replacement: '${1}' },
      { sourceLabels: ['__meta_sd_tags'], regex: '(?:.+,|^)label:([^=]+)=([^,]+).*', targetLabel: '${1}', replacement: '${2}' },
    ],
    output: { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar', __metrics_path__: '/secret', job: 'some-job', foo: 'bar' },
  },
  {
    name: 'dot matches a newline (?s)',
    input: { a: 'line1\nline2' },
    rules: [{ sourceLabels: ['a'], regex: 'line1.*line2', targetLabel: 'd', replacement: 'match${1}' }],
    output: { a: 'line1\nline2', d: 'match' },
  },
  {
    name: 'named groups: ${name} and $name, $1_ suffix in target',
    input: { a: 'line1\nline2' },
    rules: [
      { sourceLabels: ['a'], regex: '(line1).*(?<second>line2)', targetLabel: 'label1_${1}', replacement: 'val_${second}' },
      { sourceLabels: ['a'], regex: '(line1).*(?P<second>line2)', targetLabel: 'label2_$1', replacement: 'val_$second' },
    ],
    output: { a: 'line1\nline2', label1_line1: 'val_line2', label2_line1: 'val_line2' },
  },
  {
    name: 'Go Expand: $1_x is the group named 1_x (empty), not $1 then _x',
    input: { a: 'foo' },
    rules: [{ sourceLabels: ['a'], regex: '(f)oo', targetLabel: 'b', replacement: 'pre_$1_x' }],
    output: { a: 'foo', b: 'pre_' },
  },
  {
    name: 'Go Expand: ${1}_x, $$ and a lone $',
    input: { a: 'foo' },
    rules: [{ sourceLabels: ['a'], regex: '(f)oo', targetLabel: 'b', replacement: '${1}_x $$1 $ ${' }],
    output: { a: 'foo', b: 'f_x $1 $ ${' },
  },
  {
    name: 'Go Expand: leading zero is a name, $0 is the whole match',
    input: { a: 'foo' },
    rules: [{ sourceLabels: ['a'], regex: '(f)(o)o', targetLabel: 'b', replacement: '[$01][$0][${2}]' }],
    output: { a: 'foo', b: '[][foo][o]' },
  },
  {
    name: 'default replace copies the joined source values',
    input: { a: 'x', b: 'y' },
    rules: [{ sourceLabels: ['a', 'missing', 'b'], targetLabel: 'c' }],
    output: { a: 'x', b: 'y', c: 'x;;y' },
  },
  {
    name: 'custom separator',
    input: { a: 'x', b: 'y' },
    rules: [{ sourceLabels: ['a', 'b'], separator: '/', targetLabel: 'c' }],
    output: { a: 'x', b: 'y', c: 'x/y' },
  },
  {
    name: 'replace with no source labels sets a static label',
    input: { a: 'x' },
    rules: [{ targetLabel: 'cluster', replacement: 'dev-us-central-0' }],
    output: { a: 'x', cluster: 'dev-us-central-0' },
  },
  {
    name: 'replace from a missing source with default regex deletes the target',
    input: { a: 'x', b: 'y' },
    rules: [{ sourceLabels: ['missing'], targetLabel: 'b' }],
    output: { a: 'x' },
  },
  {
    name: 'regex "" only matches the empty value',
    input: { a: 'x' },
    rules: [
      { sourceLabels: ['a'], regex: '', targetLabel: 'b', replacement: 'empty' },
      { sourceLabels: ['missing'], regex: '', targetLabel: 'c', replacement: 'empty' },
    ],
    output: { a: 'x', c: 'empty' },
  },
  {
    name: '(?i) flag makes a match case-insensitive',
    input: { a: 'FOO' },
    rules: [{ sourceLabels: ['a'], regex: '(?i)foo', action: 'keep' }],
    output: { a: 'FOO' },
  },
  {
    name: 'hashmod 1000 of "baz" is 976',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [{ sourceLabels: ['c'], targetLabel: 'd', action: 'hashmod', modulus: 1000 }],
    output: { a: 'foo', b: 'bar', c: 'baz', d: '976' },
  },
  {
    name: 'hashmod 1000 of "foo\\nbar" is 734',
    input: { a: 'foo\nbar' },
    rules: [{ sourceLabels: ['a'], targetLabel: 'b', action: 'hashmod', modulus: 1000 }],
    output: { a: 'foo\nbar', b: '734' },
  },
  {
    name: 'hashmod with a modulus above 2^53 stays exact',
    input: { c: 'baz' },
    rules: [{ sourceLabels: ['c'], targetLabel: 'd', action: 'hashmod', modulus: 18446744073709551615n }],
    output: { c: 'baz', d: hashMod('baz', 18446744073709551615n).toString() },
  },
  {
    name: 'labelmap copies matches and keeps the originals',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: [{ regex: '(b.*)', replacement: 'bar_${1}', action: 'labelmap' }],
    output: { a: 'foo', b1: 'bar', b2: 'baz', bar_b1: 'bar', bar_b2: 'baz' },
  },
  {
    name: 'labelmap strips a meta prefix',
    input: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc' },
    rules: [{ regex: '__meta_(my.*)', replacement: '${1}', action: 'labelmap' }],
    output: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc', my_bar: 'aaa', my_baz: 'bbb' },
  },
  {
    name: 'labelmap does not re-match labels it just wrote',
    input: { x_a: '1' },
    rules: [{ regex: 'x_(.*)', replacement: 'x_x_$1', action: 'labelmap' }],
    output: { x_a: '1', x_x_a: '1' },
  },
  {
    name: 'labeldrop then replace then keep (prometheus#12283)',
    input: { __meta_kubernetes_pod_container_port_name: 'foo', __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091' },
    rules: [
      { regex: '^__meta_kubernetes_pod_container_port_name$', action: 'labeldrop' },
      {
        sourceLabels: ['__meta_kubernetes_pod_annotation_XXX_metrics_port'],
        regex: '(.+)',
        targetLabel: '__meta_kubernetes_pod_container_port_name',
        replacement: 'metrics',
      },
      { sourceLabels: ['__meta_kubernetes_pod_container_port_name'], regex: '^metrics$', action: 'keep' },
    ],
    output: { __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091', __meta_kubernetes_pod_container_port_name: 'metrics' },
  },
  {
    name: 'labelkeep keeps only matching names',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: [{ regex: '(b.*)', action: 'labelkeep' }],
    output: { b1: 'bar', b2: 'baz' },
  },
  {
    name: 'labeldrop drops matching names',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: [{ regex: '(b.*)', action: 'labeldrop' }],
    output: { a: 'foo' },
  },
  {
    name: 'uppercase and lowercase',
    input: { foo: 'bAr123Foo' },
    rules: [
      { sourceLabels: ['foo'], targetLabel: 'foo_uppercase', action: 'uppercase' },
      { sourceLabels: ['foo'], targetLabel: 'foo_lowercase', action: 'lowercase' },
    ],
    output: { foo: 'bAr123Foo', foo_lowercase: 'bar123foo', foo_uppercase: 'BAR123FOO' },
  },
  {
    name: 'case mapping is per code point like Go (ß stays, İ → i, final Σ → σ)',
    input: { v: 'straße', w: 'İΣ' },
    rules: [
      { sourceLabels: ['v'], targetLabel: 'up', action: 'uppercase' },
      { sourceLabels: ['w'], targetLabel: 'low', action: 'lowercase' },
    ],
    output: { v: 'straße', w: 'İΣ', up: 'STRAßE', low: 'iσ' },
  },
  {
    name: 'lowercase of an empty value deletes the target',
    input: { t: 'x' },
    rules: [{ sourceLabels: ['missing'], targetLabel: 't', action: 'lowercase' }],
    output: {},
  },
  {
    name: 'keepequal keeps when values match',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ sourceLabels: ['__tmp_port'], targetLabel: '__port1', action: 'keepequal' }],
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'dropequal drops when values match',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ sourceLabels: ['__tmp_port'], targetLabel: '__port1', action: 'dropequal' }],
    output: null,
  },
  {
    name: 'dropequal keeps when values differ',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ sourceLabels: ['__tmp_port'], targetLabel: '__port2', action: 'dropequal' }],
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'keepequal drops when values differ',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ sourceLabels: ['__tmp_port'], targetLabel: '__port2', action: 'keepequal' }],
    output: null,
  },
  {
    name: 'hashmod sharding: keep shard 0 then labeldrop the temp label',
    input: { __address__: '10.132.183.40:80' },
    rules: [
      { sourceLabels: ['__address__'], targetLabel: '__tmp_hash', modulus: 3, action: 'hashmod' },
      { sourceLabels: ['__tmp_hash'], regex: `^${hashMod('10.132.183.40:80', 3n)}$`, action: 'keep' },
      { regex: '__tmp_hash', action: 'labeldrop' },
    ],
    output: { __address__: '10.132.183.40:80' },
  },
  {
    name: 'a label named __proto__ is an ordinary label',
    input: Object.fromEntries([['__proto__', 'x']]) as Labels,
    rules: [{ sourceLabels: ['__proto__'], targetLabel: 'copy' }],
    output: Object.fromEntries([['__proto__', 'x'], ['copy', 'x']].sort()),
  },
];

describe('relabel (Prometheus semantics)', () => {
  it('has at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));

  it.each(cases)('$name', ({ input, rules: ps, output }) => {
    const before = JSON.stringify(input);
    expect(relabel(input, rules(...ps))).toEqual(output);
    expect(JSON.stringify(input)).toBe(before);
  });

  it('returns labels sorted by name', () => {
    expect(Object.keys(relabel({ b: '1', a: '2', c: '3' }, []) ?? {})).toEqual(['a', 'b', 'c']);
  });

  it('drops empty-valued input labels', () => {
    expect(relabel({ a: '', b: 'x' }, [])).toEqual({ b: 'x' });
  });
});

describe('compileRelabelConfig validation', () => {
  it.each([
    { name: 'replace without target', p: { action: 'replace' }, error: "replace action requires 'target-label'" },
    { name: 'lowercase without target', p: { action: 'lowercase' }, error: "lowercase action requires 'target-label'" },
    { name: 'hashmod without modulus', p: { action: 'hashmod', targetLabel: 't' }, error: "hashmod action requires 'modulus' > 0, got 0" },
    { name: 'invalid target for replace', p: { targetLabel: '-label' }, error: '"-label" is an invalid \'target-label\' for replace action' },
    { name: 'template target must look like a name', p: { targetLabel: 'foo${' }, error: 'invalid \'target-label\'' },
    { name: 'lowercase target cannot use $refs', p: { action: 'lowercase', targetLabel: '${3}' }, error: '"${3}" is an invalid \'target-label\' for lowercase action' },
    { name: 'uppercase with replacement', p: { action: 'uppercase', targetLabel: 'u', replacement: 'x' }, error: "'replacement' cannot be set for uppercase action" },
    { name: 'keepequal with regex', p: { action: 'keepequal', targetLabel: 't', regex: 'x' }, error: "keepequal action takes only 'source-labels' and 'target-label'" },
    { name: 'labeldrop with source labels', p: { action: 'labeldrop', sourceLabels: [] as string[], regex: 'x' }, error: "labeldrop action takes only 'regex'" },
    { name: 'labelkeep with target', p: { action: 'labelkeep', targetLabel: 't', regex: 'x' }, error: "labelkeep action takes only 'regex'" },
    { name: 'labelmap with a bad replacement', p: { action: 'labelmap', regex: '(.*)', replacement: 'a-$1' }, error: "invalid 'replacement' for labelmap" },
    { name: 'unknown action', p: { action: 'explode' }, error: 'unknown relabel action "explode"; use one of replace, keep' },
    { name: 'bad regex', p: { action: 'keep', regex: '(' }, error: 'invalid regex "(": missing closing )' },
    { name: 'Perl-only syntax', p: { action: 'keep', regex: '(?=x)' }, error: 'invalid regex "(?=x)"' },
    { name: 'regex that only balances inside the anchors', p: { action: 'keep', regex: 'a)|(b' }, error: 'invalid regex "a)|(b"' },
  ])('rejects $name', ({ p, error }) => {
    const result = compileRelabelConfig(config(p as RuleInput));
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.errors.join('\n')).toContain(error);
  });

  it.each([
    { name: 'labelmap $1', p: { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(strimzi_io_.+)' } },
    { name: 'labelmap ${1}', p: { action: 'labelmap', regex: '__meta_(.+)', replacement: '${1}' } },
    { name: 'replace target ${1}label', p: { targetLabel: '${1}label' } },
    { name: 'replace target _${1}_', p: { targetLabel: '_${1}_' } },
    { name: 'replace target foo${bar}foo', p: { targetLabel: 'foo${bar}foo' } },
  ])('accepts $name', ({ p }) => {
    expect(compileRelabelConfig(config(p as RuleInput)).ok).toBe(true);
  });
});
