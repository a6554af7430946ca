import { describe, expect, it } from 'vitest';
import { generalPacs } from '../../test/support/statements.js';
import { diffStatements } from './diff.js';
import { builtinTemplates } from './templates/registry.js';

const mds = builtinTemplates().get('jahis-jira-mds', '2');

describe('diffStatements', () => {
  it('finds nothing between equal statements', () => {
    expect(diffStatements(generalPacs(), generalPacs(), mds)).toEqual({ rows: [], remarks: [], header: [] });
  });

  it('lists changed, added and removed answers and citations in row order', () => {
    const a = generalPacs();
    const b = generalPacs();
    b.answers['12.3'] = { answer: 'yes', remarks: [14] };
    b.answers['2'] = { answer: 'no', remarks: [2, 3] };
    b.answers['14'] = { answer: 'yes' };
    delete b.answers['10'];
    const d = diffStatements(a, b, mds);
    expect(d.rows.map((r) => r.row)).toEqual(['2', '10', '12.3', '14']);
    expect(d.rows[0]).toEqual({
      row: '2',
      section: '6.4',
      number: '2',
      before: { answer: 'no', remarks: [2] },
      after: { answer: 'no', remarks: [2, 3] },
    });
    expect(d.rows[1]?.after).toBeNull();
    expect(d.rows[2]).toMatchObject({
      before: { answer: 'no', remarks: [14] },
      after: { answer: 'yes', remarks: [14] },
    });
    expect(d.rows[3]?.before).toBeNull();
  });

  it('treats an empty entry like no entry', () => {
    const a = generalPacs();
    const b = generalPacs();
    b.answers['15'] = {};
    b.answers['16'] = { remarks: [] };
    expect(diffStatements(a, b, mds).rows).toEqual([]);
  });

  it('lists remark and header changes', () => {
    const a = generalPacs();
    const b = generalPacs();
    b.remarks[0] = { number: 1, text: '改訂: 情報リストは別冊に記載' };
    b.remarks.push({ number: 24, text: '新規' });
    b.header.productVersion = 'V1.30R00';
    const d = diffStatements(a, b, mds);
    expect(d.remarks).toEqual([
      {
        number: 1,
        before: 'DICOM CONFORMANCE STATEMENT 中に情報リストの記載があります。',
        after: '改訂: 情報リストは別冊に記載',
      },
      { number: 24, before: null, after: '新規' },
    ]);
    expect(d.header).toEqual([{ field: 'productVersion', before: 'V1.20R00', after: 'V1.30R00' }]);
  });
});
