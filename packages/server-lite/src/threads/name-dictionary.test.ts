import { describe, expect, it } from 'vitest';
import { NameDecoder, NameEncoder } from './name-dictionary.js';

describe('name dictionary', () => {
  it('sends each name once and decodes every profile to its own names', () => {
    const enc = new NameEncoder();
    const dec = new NameDecoder();
    const a = enc.encode(['main', 'f', 'g']);
    expect(a.added).toEqual(['main', 'f', 'g']);
    expect(dec.decode(a)).toEqual(['main', 'f', 'g']);
    const b = enc.encode(['g', 'h', 'main']);
    expect(b.added).toEqual(['h']);
    expect([...b.refs]).toEqual([2, 3, 0]);
    expect(dec.decode(b)).toEqual(['g', 'h', 'main']);
  });

  it('starts over past its size bound, and the decoder follows', () => {
    const enc = new NameEncoder(4);
    const dec = new NameDecoder();
    expect(dec.decode(enc.encode(['a', 'b', 'c']))).toEqual(['a', 'b', 'c']);
    const next = enc.encode(['c', 'd', 'e']);
    expect(next.reset).toBe(true);
    expect(next.added).toEqual(['c', 'd', 'e']);
    expect(dec.decode(next)).toEqual(['c', 'd', 'e']);
    expect(dec.decode(enc.encode(['e', 'c']))).toEqual(['e', 'c']);
  });

  it('starts over past its character budget too (long names cannot pile up)', () => {
    const enc = new NameEncoder(1_000, 10);
    const dec = new NameDecoder();
    const long = 'x'.repeat(6);
    expect(enc.encode([long, 'a']).reset).toBe(false);
    const next = enc.encode([`${long}y`]);
    expect(next.reset).toBe(true);
    expect(next.added).toEqual([`${long}y`]);
    expect(dec.decode(next)).toEqual([`${long}y`]);
  });

  it('refuses ids its side never received', () => {
    const dec = new NameDecoder();
    expect(() => dec.decode({ refs: Int32Array.of(5), added: [], reset: false })).toThrow(/name id 5/);
  });
});
