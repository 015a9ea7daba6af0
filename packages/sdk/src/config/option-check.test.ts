import { describe, expect, it } from 'vitest';
import { checkIntegerOption } from './option-check.js';

const RULE = { default: 30, min: 1, max: 3_600 };
const invalid = (message: string): Error => Object.assign(new Error(message), { code: 'TEST_INVALID_OPTION' });

describe('checkIntegerOption', () => {
  it.each([
    { name: 'unset gives the default', value: undefined, result: 30 },
    { name: 'the minimum', value: 1, result: 1 },
    { name: 'the maximum', value: 3_600, result: 3_600 },
  ])('accepts $name', ({ value, result }) => {
    expect(checkIntegerOption(value, RULE, { name: 'seconds', invalid })).toBe(result);
  });

  it.each([
    { name: 'below the range', value: 0, shown: '0' },
    { name: 'above the range', value: 3_601, shown: '3601' },
    { name: 'a fraction', value: 1.5, shown: '1.5' },
    { name: 'NaN', value: Number.NaN, shown: 'NaN' },
    { name: 'a numeric string', value: '30', shown: "'30'" },
    { name: 'null', value: null, shown: 'null' },
  ])('throws the caller\'s error for $name, naming the value, the range and the default', ({ value, shown }) => {
    expect(() => checkIntegerOption(value, RULE, { name: 'seconds', invalid })).toThrow(
      expect.objectContaining({
        code: 'TEST_INVALID_OPTION',
        message: `seconds is ${shown}; it must be an integer from 1 to 3600; change seconds or leave it unset for 30`,
      }),
    );
  });

  it('prefixes the message with the caller when given', () => {
    expect(() => checkIntegerOption(0, RULE, { name: 'seconds', caller: 'profile', invalid })).toThrow(
      'profile seconds is 0; it must be an integer from 1 to 3600; change seconds or leave it unset for 30',
    );
  });
});
