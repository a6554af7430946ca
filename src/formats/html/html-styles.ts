/**
 * The standalone page's stylesheet. System fonts only (the page makes no request, so no web font): Japanese
 * families first, for Windows, macOS and Linux. The print rules lay the form out on A4 like the paper form, repeat
 * the table header on every page and hide the verification bar.
 */
export const STANDALONE_STYLES = `
:root {
  --ink: #1a1a1a;
  --line: #555;
  --muted: #666;
  --shade: #eef0f3;
  --na: #e4e4e4;
}
* { box-sizing: border-box; }
html {
  font-family: "Hiragino Kaku Gothic ProN", "Hiragino Sans", "Yu Gothic UI", "Yu Gothic", YuGothic, Meiryo,
    "Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "Source Han Sans JP", sans-serif;
  color: var(--ink);
  background: #fff;
  font-size: 14px;
  line-height: 1.5;
}
body { margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 1.35rem; margin: 0.5em 0 0.75em; text-align: center; }
h2 { font-size: 1.1rem; margin: 1.5em 0 0.5em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--line); padding: 4px 6px; vertical-align: top; }
th { background: var(--shade); font-weight: 600; text-align: left; }
.toolbar {
  display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: flex-start;
  padding: 10px 20px; background: #f7f7f9; border-bottom: 1px solid #ccc;
}
.toolbar button {
  font: inherit; font-weight: 600; padding: 6px 14px; border: 1px solid #1f4e9a; border-radius: 4px;
  background: #1f5fbf; color: #fff; cursor: pointer;
}
.toolbar button:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.toolbar .signed-by { color: var(--muted); align-self: center; }
.verify-result { flex: 1 1 100%; }
.verify-result:empty { display: none; }
.verify-result .verify-title { font-weight: 700; margin: 0.25em 0; }
.verify-result.valid .verify-title { color: #11703a; }
.verify-result.failed .verify-title { color: #b00020; }
.verify-result dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0.25em 0; }
.verify-result dt { color: var(--muted); }
.verify-result dd { margin: 0; overflow-wrap: anywhere; }
.verify-note { margin: 0.25em 0; color: var(--muted); font-size: 0.92em; }
.withdrawn {
  border: 2px solid #b00020; color: #b00020; padding: 8px 12px; margin: 0 0 12px; font-weight: 600;
}
.withdrawn p { margin: 0.25em 0; font-weight: normal; white-space: pre-wrap; }
.mds-header { margin-bottom: 16px; }
.mds-header th { width: 16%; white-space: nowrap; }
.mds-header td { width: 34%; white-space: pre-wrap; overflow-wrap: anywhere; }
.mds-form { table-layout: fixed; }
.mds-form col.col-no { width: 5.5em; }
.mds-form col.col-refs { width: 7.5em; }
.mds-form col.col-answer { width: 4.2em; }
.mds-form col.col-remarks { width: 5em; }
.mds-form thead th { text-align: center; vertical-align: middle; }
.section-row th { background: #dde3ec; }
.section-description { font-weight: normal; font-size: 0.92em; }
.row-no { white-space: nowrap; }
.row-question { overflow-wrap: anywhere; }
.d1 { padding-left: 2em; } .d2 { padding-left: 3.5em; } .d3 { padding-left: 5em; } .d4 { padding-left: 6.5em; }
.d5 { padding-left: 8em; } .d6 { padding-left: 9.5em; }
.row-refs { font-size: 0.88em; overflow-wrap: anywhere; }
.answer-cell { text-align: center; vertical-align: middle; }
.answer-mark { font-weight: 700; font-size: 1.15em; }
.answer-label { display: block; font-size: 0.8em; color: var(--muted); }
.row-alert { color: #b00020; font-weight: 600; margin-top: 2px; }
.group-span, .row-na td { background: var(--na); }
.row-na td { color: var(--muted); }
.row-remarks { text-align: center; }
.row-remarks a { color: inherit; }
.remarks th { width: 5em; text-align: center; }
.remark-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.unknown-answer { color: #b00020; }
footer { margin-top: 24px; color: var(--muted); font-size: 0.88em; }
footer p { margin: 0.25em 0; }
@media print {
  @page { size: A4; margin: 12mm 10mm; }
  html { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  .toolbar, noscript { display: none !important; }
  thead { display: table-header-group; }
  tr, .withdrawn { break-inside: avoid; page-break-inside: avoid; }
  .section-row { break-after: avoid; page-break-after: avoid; }
  th, .section-row th, .group-span, .row-na td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { text-decoration: none; }
}
`;
