import { describe, expect, it } from 'vitest';
import { atoiOrZero, firstQueryValue, parseGoInt } from './go-query.js';

describe('Go query parsing', () => {
  it.each([
    { name: 'plain', input: '30', want: 30 },
    { name: 'plus sign', input: '+5', want: 5 },
    { name: 'negative', input: '-1', want: -1 },
    { name: 'leading zeros', input: '007', want: 7 },
    { name: 'fraction', input: '1.5', want: undefined },
    { name: 'word', input: 'abc', want: undefined },
    { name: 'space', input: ' 1', want: undefined },
    { name: 'hex', input: '0x10', want: undefined },
    { name: 'empty', input: '', want: undefined },
    { name: 'int64 overflow', input: '9223372036854775808', want: undefined },
    { name: 'int64 max', input: '9223372036854775807', want: 9223372036854775807 },
  ])('parseGoInt $name', ({ input, want }) => {
    expect(parseGoInt(input)).toBe(want);
  });

  it('atoiOrZero reads errors as 0, like `v, _ := strconv.Atoi(s)`', () => {
    expect(atoiOrZero('1')).toBe(1);
    expect(atoiOrZero('yes')).toBe(0);
  });

  it.each([
    { name: 'missing query', url: '/heap', want: '' },
    { name: 'first of repeated', url: '/heap?seconds=2&seconds=9', want: '2' },
    { name: 'empty value', url: '/heap?seconds=', want: '' },
    { name: 'escaped', url: '/heap?seconds=%31', want: '1' },
  ])('firstQueryValue $name', ({ url, want }) => {
    expect(firstQueryValue(url, 'seconds')).toBe(want);
  });
});
