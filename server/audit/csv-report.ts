// The audit as CSV (RFC 4180: CRLF line ends, quoted fields with doubled quotes, via csv-stringify;
// UTF-8 with a byte order mark for Excel):
// one line per (host, rule) result, plus one line per host that never reported. Streamed in batches
// so 100,000 hosts never sit in memory at once.
import { stringify } from 'csv-stringify/sync';
import { auditHostBatches } from '../db/audits.js';
import type { Database } from '../db/schema.js';
import type { ReportLang } from './html-report.js';
import { formatOverdue } from '../access/countersign-overdue.js';
import type { AccessFinding, AuditReport } from './model.js';

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
  // Emergencies not countersigned within 24 h: a finding on their gateway, named by request.
  const emergencies = report.access_findings?.items ?? [];
  if (emergencies.length > 0) yield stringify(emergencies.map((f) => accessFindingRecord(report.audit_id, f, lang)), options);
}

/** The pseudo rule id the CSV gives an emergency not countersigned in time (no pack defines it). */
export const EMERGENCY_CSV_RULE = 'ACCESS-COUNTERSIGN';

function accessFindingRecord(auditId: string, f: AccessFinding, lang: ReportLang): string[] {
  const overdue = formatOverdue(f.overdue_minutes, lang);
  const approvers = f.approvers.join(', ') || '?';
  const explanation =
    lang === 'fr'
      ? `Demande ${f.request_id} (${f.ticket}) sur ${f.target}, fournisseur ${f.vendor ?? '—'}, demandeur ${f.requester}, approuvée par ${approvers} le ${f.approved_at} : non contresignée, ${overdue} de retard`
      : `Request ${f.request_id} (${f.ticket}) on ${f.target}, vendor ${f.vendor ?? '-'}, requester ${f.requester}, approved by ${approvers} at ${f.approved_at}: not countersigned, ${overdue} overdue`;
  return [
    auditId,
    f.site,
    'telemaintenance-gateway',
    f.gateway_host_id,
    neutraliseFormula(f.gateway ?? ''),
    '',
    '',
    EMERGENCY_CSV_RULE,
    lang === 'fr' ? "Accès d'urgence contresigné sous 24 h" : 'Emergency access countersigned within 24 h',
    'high',
    'fail',
    '',
    neutraliseFormula(explanation),
  ];
}

/** The whole CSV as one string (small audits, tests). */
export async function auditCsv(db: Database, report: AuditReport, lang: ReportLang = 'fr'): Promise<string> {
  let out = '';
  for await (const chunk of auditCsvChunks(db, report, lang)) out += chunk;
  return out;
}
