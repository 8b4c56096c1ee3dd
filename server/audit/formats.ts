// Reading a stored audit back in the format asked: JSON (the stored document, byte for byte, so
// its SHA-256 matches the audit log), HTML (French or English) or CSV (streamed).
import type { AuditRecord } from '../db/audits.js';
import { findAudit } from '../db/audits.js';
import type { Database } from '../db/schema.js';
import { auditCsvChunks } from './csv-report.js';
import { renderHtmlReport, type ReportLang } from './html-report.js';
import type { AuditReport } from './model.js';

export const AUDIT_FORMATS = ['json', 'html', 'csv'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

export interface StoredAuditReport {
  record: AuditRecord;
  report: AuditReport;
  /** The exact stored JSON text (what report_sha256 hashes). */
  json: string;
}

/** A finished audit and its report, or undefined when unknown or unfinished. */
export async function loadAuditReport(db: Database, auditId: string): Promise<StoredAuditReport | undefined> {
  const found = await findAudit(db, auditId);
  if (found === undefined || found.report === null) return undefined;
  const { report, ...record } = found;
  // Only runAudit writes this column, from an AuditReport.
  return { record, report: JSON.parse(report) as AuditReport, json: report };
}

export interface RenderedAudit {
  contentType: string;
  /** Suggested file name (Content-Disposition). */
  fileName: string;
  body: string | AsyncIterable<string>;
}

export function renderAudit(
  db: Database,
  stored: StoredAuditReport,
  format: AuditFormat,
  options: { lang?: ReportLang; timeZone?: string } = {},
): RenderedAudit {
  const lang = options.lang ?? 'fr';
  const base = `vigie-audit-${stored.report.audit_id}`;
  if (format === 'json') return { contentType: 'application/json; charset=utf-8', fileName: `${base}.json`, body: stored.json };
  if (format === 'csv') return { contentType: 'text/csv; charset=utf-8; header=present', fileName: `${base}.${lang}.csv`, body: auditCsvChunks(db, stored.report, lang) };
  return {
    contentType: 'text/html; charset=utf-8',
    fileName: `${base}.${lang}.html`,
    body: renderHtmlReport(stored.report, {
      lang,
      reportSha256: stored.record.report_sha256,
      ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
    }),
  };
}
