import { describe, expect, it } from 'vitest';
import { parseMaxNodes } from './max-nodes-param.js';

describe('parseMaxNodes', () => {
  it.each([
    { input: undefined, want: 8192 },
    { input: '', want: 8192 },
    { input: '0', want: 8192 },
    { input: '1', want: 1 },
    { input: ' 1024 ', want: 1024 },
    { input: '1048576', want: 1_048_576 },
    { input: '-1', want: 1_048_576 },
  ])('$input → $want', ({ input, want }) => {
    expect(parseMaxNodes(input)).toBe(want);
  });

  it('uses the given default and limit', () => {
    expect(parseMaxNodes('0', { defaultMaxNodes: 100, maxNodesLimit: 500 })).toBe(100);
    expect(parseMaxNodes('-1', { defaultMaxNodes: 100, maxNodesLimit: 500 })).toBe(500);
  });

  it.each([
    { input: 'abc', code: 'KPROF_QUERY_BAD_MAX_NODES' },
    { input: '1.5', code: 'KPROF_QUERY_BAD_MAX_NODES' },
    { input: '-2', code: 'KPROF_QUERY_BAD_MAX_NODES' },
    { input: '99999999999999999999', code: 'KPROF_QUERY_BAD_MAX_NODES' },
    { input: '1048577', code: 'KPROF_QUERY_MAX_NODES_TOO_LARGE' },
  ])('rejects $input with $code', ({ input, code }) => {
    expect(() => parseMaxNodes(input)).toThrow(expect.objectContaining({ code }));
  });
});
