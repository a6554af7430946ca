import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitText } from './pdf-flow.js';

/** A stand-in for "fits in the space left": at most n UTF-16 code units. */
const atMost =
  (n: number) =>
  (head: string): boolean =>
    head.length <= n;

describe('splitText', () => {
  it('keeps the whole text when it fits', () => {
    expect(splitText('備考', atMost(10))).toEqual(['備考', '']);
  });

  it('never cuts a surrogate pair, a variation sequence, a combining mark or an emoji sequence', () => {
    const text = '𠮷葛󠄀か\u3099👨‍👩‍👧';
    for (let n = 0; n < text.length; n++) {
      const [head, tail] = splitText(text, atMost(n));
      expect(head + tail).toBe(text);
      expect(['𠮷', '𠮷葛󠄀', '𠮷葛󠄀か\u3099', '𠮷葛󠄀か\u3099👨‍👩‍👧']).toContain(head);
    }
  });

  it('moves a cut inside a Latin word back to the space before it', () => {
    expect(splitText('English words that wrap', atMost(15))).toEqual(['English words ', 'that wrap']);
    // Japanese has no spaces: any grapheme boundary will do.
    expect(splitText('医療情報の安全管理', atMost(4))).toEqual(['医療情報', 'の安全管理']);
  });

  it('always takes something, and head + tail is the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.nat(40), (text, n) => {
        const [head, tail] = splitText(text, atMost(n));
        expect(head + tail).toBe(text);
        if (text !== '') expect(head).not.toBe('');
      }),
    );
  });
});
