import { describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../logger.js';
import { LABEL_LIMITS } from './label-limits.js';
import { EMPTY_LABELS, LabelDropReporter, isLabelSet, mergeLabels } from './label-set.js';

function reporter(): { r: LabelDropReporter; warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  const noop = (): void => {};
  const logger: Logger = { debug: noop, info: noop, error: noop, warn: (obj) => warnings.push(obj as Record<string, unknown>) };
  return { r: new LabelDropReporter(logger), warnings };
}

describe('mergeLabels', () => {
  it('merges over the parent, inner values winning, and marks the result as a label set', () => {
    const { r } = reporter();
    const outer = mergeLabels(EMPTY_LABELS, { route: '/a', tenant: 't1' }, r);
    const inner = mergeLabels(outer, { route: '/b', step: 'db' }, r);
    expect(inner).toEqual({ route: '/b', tenant: 't1', step: 'db' });
    expect(outer).toEqual({ route: '/a', tenant: 't1' });
    expect(Object.isFrozen(inner)).toBe(true);
    expect(isLabelSet(inner)).toBe(true);
    expect(isLabelSet({ route: '/b' })).toBe(false);
  });

  it('returns the parent itself when nothing changes', () => {
    const { r } = reporter();
    const outer = mergeLabels(EMPTY_LABELS, { route: '/a' }, r);
    expect(mergeLabels(outer, { route: '/a' }, r)).toBe(outer);
    expect(mergeLabels(outer, {}, r)).toBe(outer);
  });

  it('converts numbers and booleans to strings', () => {
    const { r } = reporter();
    expect(mergeLabels(EMPTY_LABELS, { shard: 3, canary: true }, r)).toEqual({ shard: '3', canary: 'true' });
  });

  it.each([
    { name: 'name with a dash', input: { 'user-id': 'x' }, label: 'user-id' },
    { name: 'name starting with a digit', input: { '1x': 'x' }, label: '1x' },
    { name: 'reserved __ name', input: { __name__: 'x' }, label: '__name__' },
    { name: 'name too long', input: { ['n'.repeat(LABEL_LIMITS.maxNameChars + 1)]: 'x' }, label: 'n'.repeat(LABEL_LIMITS.maxNameChars + 1) },
    { name: 'value too long', input: { route: 'v'.repeat(LABEL_LIMITS.maxValueChars + 1) }, label: 'route' },
    { name: 'empty value', input: { route: '' }, label: 'route' },
    { name: 'object value', input: { route: { a: 1 } }, label: 'route' },
    { name: 'undefined value', input: { route: undefined }, label: 'route' },
    { name: 'NaN value', input: { route: Number.NaN }, label: 'route' },
    { name: 'labels not an object', input: 'route=/a', label: '(labels)' },
    { name: 'labels null', input: null, label: '(labels)' },
  ])('drops a bad label with a warning, never a throw: $name', ({ input, label }) => {
    const { r, warnings } = reporter();
    const merged = mergeLabels(EMPTY_LABELS, input, r);
    expect(merged).toEqual({});
    expect(r.dropped).toBe(1);
    expect(warnings).toEqual([expect.objectContaining({ label: label.slice(0, LABEL_LIMITS.maxNameChars + 16) })]);
  });

  it('keeps the good labels of an input that also has bad ones', () => {
    const { r } = reporter();
    expect(mergeLabels(EMPTY_LABELS, { route: '/a', 'bad-name': 'x', tenant: 't' }, r)).toEqual({ route: '/a', tenant: 't' });
  });

  it('warns once per label name however often it is dropped, and counts every drop', () => {
    const { r, warnings } = reporter();
    for (let i = 0; i < 50; i++) mergeLabels(EMPTY_LABELS, { 'bad-a': 'x', 'bad-b': 'y' }, r);
    expect(r.dropped).toBe(100);
    expect(warnings.map((w) => w['label'])).toEqual(['bad-a', 'bad-b']);
  });

  it(`keeps at most ${LABEL_LIMITS.maxLabels} labels per context, dropping the newest`, () => {
    const { r, warnings } = reporter();
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v']));
    const merged = mergeLabels(EMPTY_LABELS, many, r);
    expect(Object.keys(merged)).toHaveLength(LABEL_LIMITS.maxLabels);
    expect(merged['k0']).toBe('v');
    expect(merged['k19']).toBeUndefined();
    expect(warnings).toHaveLength(4);
    // Overriding an existing label in a full context is still allowed.
    expect(mergeLabels(merged, { k0: 'w' }, r)['k0']).toBe('w');
  });

  it('looks at a bounded number of keys of a huge input', () => {
    const { r } = reporter();
    const huge = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v']));
    const merged = mergeLabels(EMPTY_LABELS, huge, r);
    expect(Object.keys(merged)).toHaveLength(LABEL_LIMITS.maxLabels);
    expect(r.dropped).toBeLessThanOrEqual(LABEL_LIMITS.maxInputKeys + 1);
  });

  it('survives a logger that throws', () => {
    const throwing: Logger = { debug() {}, info() {}, error() {}, warn() { throw new Error('logger down'); } };
    const r = new LabelDropReporter(throwing);
    expect(mergeLabels(EMPTY_LABELS, { 'bad-name': 'x', ok: 'y' }, r)).toEqual({ ok: 'y' });
  });
});

describe('LabelDropReporter without a logger (before start())', () => {
  it('counts drops and warns about the name once a logger is set', () => {
    const warnings: Array<Record<string, unknown>> = [];
    const noop = (): void => {};
    const r = new LabelDropReporter(silentLogger);
    mergeLabels(EMPTY_LABELS, { 'bad-name': 'x' }, r);
    expect(r.dropped).toBe(1);
    r.setLogger({ debug: noop, info: noop, error: noop, warn: (obj) => warnings.push(obj as Record<string, unknown>) });
    mergeLabels(EMPTY_LABELS, { 'bad-name': 'x' }, r);
    mergeLabels(EMPTY_LABELS, { 'bad-name': 'x' }, r);
    expect(r.dropped).toBe(3);
    expect(warnings).toEqual([expect.objectContaining({ label: 'bad-name' })]);
  });
});
