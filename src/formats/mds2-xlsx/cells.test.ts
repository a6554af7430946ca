import { describe, expect, it } from 'vitest';
import { cellDate, cellText, tidyText } from './cells.js';

describe('cellText', () => {
  it('reads what a person sees in each kind of exceljs cell', () => {
    expect(cellText(null)).toBe('');
    expect(cellText('Yes')).toBe('Yes');
    expect(cellText(3)).toBe('3');
    expect(cellText(true)).toBe('TRUE');
    expect(cellText(new Date(Date.UTC(2019, 9, 9)))).toBe('2019-10-09');
    expect(cellText({ richText: [{ text: '髙橋' }, { text: ' 𠮷' }] })).toBe('髙橋 𠮷');
    expect(cellText({ text: 'sales@company.com', hyperlink: 'mailto:sales@company.com' })).toBe('sales@company.com');
    expect(cellText({ text: { richText: [{ text: 'link' }] }, hyperlink: 'http://x' })).toBe('link');
    expect(cellText({ formula: 'C6', result: 'Hidden' })).toBe('Hidden');
    expect(cellText({ sharedFormula: 'C6', result: 4 })).toBe('4');
    expect(cellText({ error: '#N/A' })).toBe('#N/A');
  });
});

describe('cellDate', () => {
  it('reads real dates, Excel serials and typed dates as YYYY-MM-DD', () => {
    expect(cellDate(new Date(Date.UTC(2019, 9, 9)))).toBe('2019-10-09');
    expect(cellDate({ formula: 'C12', result: new Date(Date.UTC(2019, 9, 9)) })).toBe('2019-10-09');
    expect(cellDate(43747)).toBe('2019-10-09');
    expect(cellDate('2019-10-09')).toBe('2019-10-09');
    expect(cellDate('2019/10/9')).toBe('2019-10-09');
    expect(cellDate('10/9/2019')).toBe('2019-10-09');
  });

  it('refuses what is not a date', () => {
    expect(cellDate('2019-02-30')).toBeUndefined();
    expect(cellDate('13/1/2019')).toBeUndefined();
    expect(cellDate('soon')).toBeUndefined();
    expect(cellDate(-5)).toBeUndefined();
    expect(cellDate(null)).toBeUndefined();
  });
});

describe('tidyText', () => {
  it('trims and joins runs of spaces but keeps line breaks and wording', () => {
    expect(tidyText('  fiber optic,  etc.)? ')).toBe('fiber optic, etc.)?');
    expect(tidyText('one \n  two')).toBe('one\ntwo');
    expect(tidyText('か\u3099')).toBe('が');
  });
});
