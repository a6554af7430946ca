import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../domain/canonical-json.js';
import { canonicalContent, sha256Hex } from './hash.js';

describe('canonicalJson (RFC 8785)', () => {
  it('matches the example of RFC 8785 section 3.2.2', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts member names by UTF-16 code units, not code points (RFC 8785 section 3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const keys = Object.keys(JSON.parse(canonicalJson(input)) as object);
    // JSON.parse puts the integer-like key first again; compare the order of the text instead.
    const order = [...canonicalJson(input).matchAll(/"([^"]+)":/g)].map((m) => m[1]);
    expect(order).toEqual(['\\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
    expect(keys).toHaveLength(7);
  });

  it('serializes numbers as ECMAScript does, -0 as 0', () => {
    expect(canonicalJson([0, -0, 1, -1.5, 1e21, 1e-7, 123456789012345680000, 5e-324])).toBe(
      '[0,0,1,-1.5,1e+21,1e-7,123456789012345680000,5e-324]',
    );
  });

  it('has no whitespace and leaves Japanese, astral characters and combining sequences as they are', () => {
    const s = { b: ['髙', '𠮷', '😀', 'か\u3099'], a: { y: 1, x: null } };
    expect(canonicalJson(s)).toBe('{"a":{"x":null,"y":1},"b":["髙","𠮷","😀","か\u3099"]}');
  });

  it('drops undefined members and turns undefined array items into null, as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
  });

  it('rejects what RFC 8785 cannot represent', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ a: Number.POSITIVE_INFINITY })).toThrow(/Infinity at \/a/);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
    expect(() => canonicalJson({ text: 'a\ud800b' })).toThrow(/lone surrogate/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('sha256Hex', () => {
  it('hashes the UTF-8 bytes', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('gives equal hashes for equal values whatever their key order', () => {
    expect(canonicalContent({ a: 1, b: '髙' }).hash).toBe(canonicalContent({ b: '髙', a: 1 }).hash);
    expect(canonicalContent({ a: 1 }).hash).not.toBe(canonicalContent({ a: 2 }).hash);
  });
});
