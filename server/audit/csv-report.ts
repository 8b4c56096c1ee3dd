// The audit as CSV (RFC 4180: CRLF line ends, quoted fields with doubled quotes, via csv-stringify;
// UTF-8 with a byte order mark for Excel):
// one line per (host, rule) result, plus one line per host that never reported. Streamed in batches
// so 100,000 hosts never sit in memory at once.
import { stringify } from 'csv-stringify/sync';
import { auditHostBatches } from '../db/audits.js';
import type { Database } from '../db/schema.js';
import type { ReportLang } from './html-report.js';
import type { AuditReport } from './model.js';

export const CSV_COLUMNS = [
  'audit_id',
  'site',
  'role',
  'host_id',
  'hostname',
  'host_state',
  'collected_at',
  'rule_id',
  'rule_title',
  'severity',
  'status',
  'waiver_id',
  'explanation',
] as const;

/**
 * Spreadsheet formula injection: a cell an agent controls (hostname, explanation) starting with
 * = + - @ (or their full-width forms ＝ ＋ － ＠, which Excel and LibreOffice read as the ASCII
 * ones) or a tab or line break would run as a formula; such cells get a leading quote.
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/.test(value) ? `'${value}` : value;
}

// Records end with CRLF, so csv-stringify quotes only fields containing CRLF: a lone LF or CR in
// a hostname would start a new row in Excel, whose first cell could be a live formula. Quote any
// field containing either.
const options = { record_delimiter: 'windows', quoted_match: /[\r\n]/ } as const;

export async function* auditCsvChunks(db: Database, report: AuditReport, lang: ReportLang = 'fr'): AsyncGenerator<string> {
  // A UTF-8 byte order mark first: without it Excel (as set up in French hospitals) reads the
  // file as Windows-1252 and mangles every accent of the French titles and explanations.
  yield stringify([[...CSV_COLUMNS]], { ...options, bom: true });
  for await (const batch of auditHostBatches(db, report.audit_id)) {
    const records: string[][] = [];
    for (const host of batch) {
      const base = [report.audit_id, host.site, host.role, host.host_id, neutraliseFormula(host.hostname), host.state, host.collected_at ?? ''];
      if (host.results.length === 0) records.push([...base, '', '', '', '', '', '']);
      for (const r of host.results) {
        records.push([
          ...base,
          r.rule_id,
          neutraliseFormula(report.rules[r.rule_id]?.title[lang] ?? ''),
          r.severity,
          r.status,
          r.waiver_id ?? '',
          neutraliseFormula(r.explanation?.[lang] ?? ''),
        ]);
      }
    }
    yield stringify(records, options);
  }
}

/** The whole CSV as one string (small audits, tests). */
export async function auditCsv(db: Database, report: AuditReport, lang: ReportLang = 'fr'): Promise<string> {
  let out = '';
  for await (const chunk of auditCsvChunks(db, report, lang)) out += chunk;
  return out;
}
