import { describe, expect, it } from 'vitest';
import { rangeArea } from '../xlsx-range-guard.js';
import { displayWidth, encodeCellText, wrappedLines } from './xlsx-text.js';

/** How exceljs (and Excel) decode a cell's text: one left-to-right pass over `_xHHHH_`. */
function decode(s: string): string {
  return s.replace(/_x([0-9A-F]{4})_/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

describe('encodeCellText', () => {
  it('escapes what XML cannot carry and leaves everything else alone', () => {
    expect(encodeCellText('髙橋 𠮷野\n\ttab')).toBe('髙橋 𠮷野\n\ttab');
    expect(encodeCellText('a\r\nb')).toBe('a_x000D_\nb');
    expect(encodeCellText('\u0000\u0007\u001f\u007f\uFFFE\uFFFF')).toBe('_x0000__x0007__x001F__x007F__xFFFE__xFFFF_');
    expect(encodeCellText('\uD800x\uDC00')).toBe('_xD800_x_xDC00_');
  });

  it('escapes the underscore of text that only looks like an escape', () => {
    expect(encodeCellText('_x0041_')).toBe('_x005F_x0041_');
    expect(encodeCellText('_xabcd')).toBe('_x005F_xabcd');
    expect(encodeCellText('_x12 and x0041_')).toBe('_x12 and x0041_');
  });

  it('comes back unchanged through the decoding for text that mixes escapes and look-alikes', () => {
    for (const text of [
      '_x0041_',
      '__x0041_',
      '_xABCD\u0001',
      '_x005F_',
      'a\r_x000D_\r',
      '\uD83D',
      '😀_x00',
      '_x_x0041',
    ]) {
      expect(decode(encodeCellText(text))).toBe(text);
    }
  });
});

describe('row height estimates', () => {
  it('counts CJK characters as two columns and wraps at the column width', () => {
    expect(displayWidth('はい')).toBe(4);
    expect(displayWidth('𠮷')).toBe(2);
    expect(wrappedLines('', 10)).toBe(1);
    expect(wrappedLines('あ'.repeat(10), 11)).toBe(2);
    expect(wrappedLines('一\n二\n三', 60)).toBe(3);
  });
});

describe('rangeArea', () => {
  it('counts the cells of a reference, whole rows and columns included', () => {
    expect(rangeArea('A1')).toBe(1);
    expect(rangeArea('$B$2:$D$9')).toBe(24);
    expect(rangeArea('D9:B2')).toBe(24);
    expect(rangeArea('A:A')).toBe(1_048_576);
    expect(rangeArea('3:4')).toBe(2 * 16_384);
    expect(rangeArea('A1:XFD1048576')).toBe(16_384 * 1_048_576);
    expect(rangeArea('not a range')).toBe(16_384 * 1_048_576);
  });
});
