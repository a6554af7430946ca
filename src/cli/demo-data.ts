import { Applies, type CompiledTemplate } from '../domain/compiled-template.js';
import type { Statement } from '../domain/statement.js';
import type { CreateSystemInput } from '../features/inventory/inventory.schema.js';
import generalPacsData from './data/general-pacs-v1.20R00.json' with { type: 'json' };
import nemaData from './data/nema-mds2-example.json' with { type: 'json' };
import selfStatementData from './data/openmds-self-statement.json' with { type: 'json' };

/**
 * What `openmds demo` puts in a fresh instance. The statements are the project's worked examples: the seed's
 * General-PACS (examples/general-pacs-v1.20R00.json, copied here because examples/ does not ship) and NEMA's
 * example MDS2 workbook (examples/nema-mds2-example-worksheet.xlsx) as the mds2-xlsx importer reads it. Tests
 * check both copies against their sources.
 */

/** The seed's General-PACS V1.20R00 as written: it answers rows 1–13 and leaves later rows to remarks. */
export function generalPacsExample(): Statement {
  return structuredClone(generalPacsData as unknown) as Statement;
}

/**
 * OpenMDS's own statement (examples/openmds-self-statement.source.json without its `$schema` line; the demo
 * publishes it again, signed by the demo instance's key rather than the project's).
 */
export function openmdsSelfStatement(): Statement {
  return structuredClone(selfStatementData as unknown) as Statement;
}

/** NEMA's example workbook (a fictional handheld blood glucose monitor), imported with the mds2-xlsx importer. */
export function nemaMds2Example(): Statement {
  return structuredClone(nemaData as unknown) as Statement;
}

/**
 * General-PACS completed so that it can be finalized: the example's answers and remarks, and はい on every other
 * applicable row (answered in row order, so that applicability follows the answers given so far). A row that needs
 * a remark for its answer cites remark 1.
 */
export function finalizableGeneralPacs(template: CompiledTemplate): Pick<Statement, 'answers' | 'remarks'> {
  const example = generalPacsExample();
  const answers: Statement['answers'] = {};
  for (const r of template.rows) {
    if (!r.answerable) continue;
    const applies = template.evaluate((id) => answers[id]?.answer)[r.index];
    if (applies === Applies.No) continue;
    const given = example.answers[r.row.id];
    const answer = given?.answer ?? 'yes';
    const remarks = given?.remarks ?? (r.remarkRequiredWhen.has(answer) ? [1] : undefined);
    answers[r.row.id] = remarks === undefined ? { answer } : { answer, remarks };
  }
  return { answers, remarks: example.remarks };
}

/**
 * The NEMA example as the demo's second manufacturer publishes it: its answers and notes, the workbook's device
 * description, contact and intended use; the example leaves DOC-10 (a network or data-flow diagram) blank, which
 * finalization refuses, so the demo answers it No (it then shows as a gap in the hospital's assessment).
 */
export function publishableNemaExample(): Pick<Statement, 'answers' | 'remarks'> & { header: Statement['header'] } {
  const example = nemaMds2Example();
  const answers = { ...example.answers, 'DOC-10': { ...example.answers['DOC-10'], answer: 'no' } };
  // MDS2's DOC items are header fields of the template's own, beyond the typed ones.
  const given = example.header as Record<string, string | undefined>;
  const header: Record<string, string> = {};
  for (const k of ['deviceDescription', 'contact', 'intendedUse', 'otherConsiderations']) {
    const v = given[k];
    if (v !== undefined) header[k] = v;
  }
  return { header, answers, remarks: example.remarks };
}

export const DEMO_MANUFACTURERS = {
  xyz: {
    org: 'XYZ株式会社',
    owner: { email: 'owner@xyz.demo.openmds.example', displayName: 'XYZ 太郎' },
    product: { name: 'General-PACS', category: 'pacs' as const, description: '医用画像保存通信システム' },
    version: 'V1.20R00',
  },
  example: {
    org: 'Example Medical Devices Inc.',
    owner: { email: 'owner@example-medical.demo.openmds.example', displayName: 'Alex Example' },
    product: {
      name: 'Handheld Blood Glucose Monitor',
      category: 'other' as const,
      description: "NEMA's example MDS2 device: uploads glucose measurement history to patient records",
    },
    version: '2019',
  },
  openmds: {
    org: 'OpenMDS project',
    owner: { email: 'owner@openmds-project.demo.openmds.example', displayName: 'OpenMDS 開発チーム' },
    product: {
      name: 'OpenMDS',
      category: 'other' as const,
      description: '製造業者による医療情報セキュリティ開示書の作成・公開・評価の基盤 (this software)',
    },
    version: selfStatementData.header.productVersion,
  },
} as const;

export const DEMO_HOSPITAL = {
  org: 'デモ総合病院',
  owner: { email: 'owner@hospital.demo.openmds.example', displayName: '病院 花子' },
} as const;

/** The hospital's systems, and which demo statement each relies on (none: coverage shows the gap). */
export const DEMO_SYSTEMS: readonly (CreateSystemInput & { relies: 'xyz' | 'example' | null })[] = [
  {
    name: '放射線部門 PACS',
    manufacturer: 'XYZ株式会社',
    product: 'General-PACS',
    productVersion: 'V1.20R00',
    department: '放射線科',
    location: '本館 2F サーバ室',
    owner: '放射線科 技師長',
    patientData: true,
    connections: ['remote-maintenance', 'removable-media'],
    notes: '製造業者による VPN 経由のリモート保守あり。読影結果の DVD 出力あり。',
    relies: 'xyz',
  },
  {
    name: '読影端末（3 台）',
    manufacturer: 'XYZ株式会社',
    product: 'General-PACS',
    productVersion: 'V1.20R00',
    department: '放射線科',
    location: '本館 2F 読影室',
    owner: '放射線科 技師長',
    patientData: true,
    connections: ['internal-only'],
    notes: 'PACS のビューア。院内ネットワークのみ。',
    relies: 'xyz',
  },
  {
    name: '病棟 血糖測定器',
    manufacturer: 'Example Medical Devices Inc.',
    product: 'Handheld Blood Glucose Monitor',
    productVersion: '2019',
    department: '看護部',
    location: '各病棟',
    owner: '看護部 医療機器担当',
    patientData: true,
    connections: ['wireless'],
    notes: '病棟の無線 LAN で測定履歴を電子カルテへ送信する。',
    relies: 'example',
  },
  {
    name: '検体検査システム',
    manufacturer: '株式会社ラボ・デモ',
    product: 'LabDemo LIS',
    productVersion: '5.2',
    department: '臨床検査科',
    location: '本館 1F 検査室',
    owner: '臨床検査科 技師長',
    patientData: true,
    connections: ['internal-only'],
    notes: '開示書を未入手。製造業者に依頼予定。',
    relies: null,
  },
];

export const DEMO_ASSESSMENT_TITLE = '2026年度 医療機器セキュリティ リスクアセスメント（デモ）';

/** Decisions the demo records on drafted risks, by row (the first risk drafted on that row gets it). */
export const DEMO_TREATMENTS: readonly { rowId: string; update: Record<string, unknown> }[] = [
  {
    rowId: 'DOC-8',
    update: {
      treatment: 'transfer',
      measure: '購入契約に脆弱性情報の通知義務と連絡窓口を定め、JVN を月 1 回確認する。',
      owner: '医療情報部 システム管理者',
      dueDate: '2027-03-31',
      status: 'in-progress',
    },
  },
  {
    rowId: 'ALOF-1',
    update: {
      treatment: 'reduce',
      measure: '測定器は使用後に所定の充電台へ戻し、病棟ごとに台数を毎日確認する。',
      owner: '看護部 医療機器担当',
      dueDate: '2026-12-31',
      status: 'in-progress',
    },
  },
  {
    rowId: 'PAUT-8',
    update: {
      treatment: 'accept',
      measure: '測定器への多要素認証は求めない。利用者 ID での操作記録で代える。',
      owner: '医療情報部 システム管理者',
      status: 'accepted',
      acceptanceReason: '病棟での即時測定を優先する。操作記録と台数確認で補う。',
    },
  },
];
