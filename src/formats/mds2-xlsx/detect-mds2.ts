import { FormatError } from '../errors.js';
import { readZipDirectory, readZipEntry } from '../xlsx-guard.js';

const utf8 = new TextDecoder('utf-8');
const QUESTION_ID = />\s*Question ID\s*</i;
const DOC_1 = />\s*DOC-1\s*</;

/**
 * A cheap look at XLSX bytes, without a spreadsheet library: true when the workbook's text holds a "Question ID"
 * header cell and the item DOC-1, as NEMA's MDS2 form does. Never throws; for `--format auto`.
 */
export function detectMds2Workbook(data: Uint8Array): boolean {
  try {
    const parts = readZipDirectory(data, 'xlsx').filter(
      (e) => e.name === 'xl/sharedStrings.xml' || /^xl\/worksheets\/[^/]+\.xml$/.test(e.name),
    );
    let header = false;
    let doc1 = false;
    // Shared strings first: that is where Excel keeps cell text; sheets hold inline strings when a tool wrote them.
    parts.sort((a, b) => Number(b.name === 'xl/sharedStrings.xml') - Number(a.name === 'xl/sharedStrings.xml'));
    for (const part of parts) {
      const text = utf8.decode(readZipEntry(data, part, 'xlsx'));
      header ||= QUESTION_ID.test(text);
      doc1 ||= DOC_1.test(text);
      if (header && doc1) return true;
    }
    return false;
  } catch (e) {
    if (e instanceof FormatError) return false;
    throw e;
  }
}
