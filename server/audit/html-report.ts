// The audit report as one self-contained HTML page an RSSI can read, print and hand on: French by
// default, English on request, charts as inline SVG, no script and no external resource (a CSP meta
// forbids any). Every value goes through the escaping `html` tag.
import type { HostRole } from '../../policies/evidence.js';
import type { Severity, VerdictStatus } from '../../policies/verdict.js';
import { html, SafeHtml } from './html-escape.js';
import { formatOverdue } from '../access/countersign-overdue.js';
import type { AccessFinding, AuditReport, Finding, HostRef, Score, WaiverRef } from './model.js';

export type ReportLang = 'fr' | 'en';
export const REPORT_LANGS = ['fr', 'en'] as const;

/** Rows shown per table; the totals stay exact and the CSV export lists everything. */
export const HTML_MAX_ROWS = 500;

const TEXT = {
  fr: {
    title: "Rapport d'audit Vigie",
    audit: 'Audit',
    trigger: 'Déclenchement',
    triggers: { schedule: 'planifié', 'catch-up': 'rattrapage', manual: 'manuel' },
    started: 'Début',
    finished: 'Fin',
    packs: 'Politiques',
    sha: 'Empreinte SHA-256 du rapport JSON',
    keyFigures: 'Chiffres clés',
    score: 'Score global',
    scoreNote: 'Score = conformes / (conformes + non conformes) ; les résultats inconnus et les dérogations sont comptés à part.',
    hosts: 'Hôtes',
    assessed: 'évalués',
    stale: 'sans rapport récent',
    neverReported: "jamais remontés",
    findings: 'Écarts',
    critical: 'critiques',
    newFailures: 'Nouveaux écarts',
    fixed: 'Corrigés',
    scores: 'Scores',
    bySite: 'Par site',
    byRole: 'Par rôle',
    byRule: 'Par règle',
    distribution: 'Répartition des résultats',
    rule: 'Règle',
    site: 'Site',
    role: 'Rôle',
    host: 'Hôte',
    severity: 'Gravité',
    status: 'Statut',
    explanation: 'Explication',
    criticalFindings: 'Écarts critiques',
    otherFindings: 'Autres écarts',
    none: 'Aucun.',
    more: (n: number) => `… et ${n} autre(s) : voir l'export CSV.`,
    diff: 'Évolution depuis le précédent audit',
    previous: 'Audit précédent',
    noPrevious: "Premier audit : pas de comparaison possible.",
    newHosts: 'Nouveaux hôtes',
    vanishedHosts: 'Hôtes disparus',
    staleHosts: 'Hôtes sans rapport récent (résultats inconnus)',
    neverReportedHosts: 'Hôtes enrôlés sans aucun rapport',
    lastEvidence: 'Dernières preuves',
    waivers: 'Dérogations',
    waivedFindings: 'Écarts couverts par une dérogation',
    expiredWaivers: 'Dérogations expirées',
    waiver: 'Dérogation',
    scope: 'Portée',
    approver: 'Approbateur',
    justification: 'Justification',
    expires: 'Expiration',
    new: 'nouveau',
    count: 'Nombre',
    emergencies: "Accès d'urgence non contresignés sous 24 h",
    emergencyNote: "Un accès d'urgence (bris de glace) est ouvert sur une seule approbation et doit être contresigné par un autre approbateur dans les 24 h.",
    request: 'Demande',
    target: 'Équipement',
    vendor: 'Fournisseur',
    requester: 'Demandeur',
    approvers: 'Approuvé par',
    approvedAt: 'Approuvé le',
    overdue: 'Retard',
    status_: { pass: 'conforme', fail: 'non conforme', warn: 'avertissement', unknown: 'inconnu', not_applicable: 'non applicable', waived: 'dérogation' },
    severity_: { critical: 'critique', high: 'élevée', medium: 'moyenne', low: 'faible' },
    role_: {
      workstation: 'poste de travail',
      'admin-workstation': "poste d'administration",
      'telemaintenance-gateway': 'passerelle de télémaintenance',
      server: 'serveur',
      'backup-server': 'serveur de sauvegarde',
    },
    locale: 'fr-FR',
  },
  en: {
    title: 'Vigie audit report',
    audit: 'Audit',
    trigger: 'Trigger',
    triggers: { schedule: 'scheduled', 'catch-up': 'catch-up', manual: 'manual' },
    started: 'Started',
    finished: 'Finished',
    packs: 'Policies',
    sha: 'SHA-256 of the JSON report',
    keyFigures: 'Key figures',
    score: 'Overall score',
    scoreNote: 'Score = pass / (pass + fail); unknown results and waivers are counted apart.',
    hosts: 'Hosts',
    assessed: 'assessed',
    stale: 'without recent report',
    neverReported: 'never reported',
    findings: 'Findings',
    critical: 'critical',
    newFailures: 'New failures',
    fixed: 'Fixed',
    scores: 'Scores',
    bySite: 'By site',
    byRole: 'By role',
    byRule: 'By rule',
    distribution: 'Results',
    rule: 'Rule',
    site: 'Site',
    role: 'Role',
    host: 'Host',
    severity: 'Severity',
    status: 'Status',
    explanation: 'Explanation',
    criticalFindings: 'Critical findings',
    otherFindings: 'Other findings',
    none: 'None.',
    more: (n: number) => `… and ${n} more: see the CSV export.`,
    diff: 'Changes since the previous audit',
    previous: 'Previous audit',
    noPrevious: 'First audit: nothing to compare with.',
    newHosts: 'New hosts',
    vanishedHosts: 'Vanished hosts',
    staleHosts: 'Hosts without a recent report (results unknown)',
    neverReportedHosts: 'Enrolled hosts that never reported',
    lastEvidence: 'Last evidence',
    waivers: 'Waivers',
    waivedFindings: 'Findings covered by a waiver',
    expiredWaivers: 'Expired waivers',
    waiver: 'Waiver',
    scope: 'Scope',
    approver: 'Approver',
    justification: 'Justification',
    expires: 'Expires',
    new: 'new',
    count: 'Count',
    emergencies: 'Emergency accesses not countersigned within 24 h',
    emergencyNote: 'An emergency (break-glass) access opens on one approval and must be countersigned by another approver within 24 h.',
    request: 'Request',
    target: 'Device',
    vendor: 'Vendor',
    requester: 'Requester',
    approvers: 'Approved by',
    approvedAt: 'Approved at',
    overdue: 'Overdue',
    status_: { pass: 'pass', fail: 'fail', warn: 'warn', unknown: 'unknown', not_applicable: 'not applicable', waived: 'waived' },
    severity_: { critical: 'critical', high: 'high', medium: 'medium', low: 'low' },
    role_: {
      workstation: 'workstation',
      'admin-workstation': 'admin workstation',
      'telemaintenance-gateway': 'telemaintenance gateway',
      server: 'server',
      'backup-server': 'backup server',
    },
    locale: 'en-GB',
  },
} as const;

type Text = (typeof TEXT)[ReportLang];

const STYLE = `
:root { --ok:#1a7f37; --mid:#b26b00; --bad:#c62828; --grey:#6b7280; --ink:#111827; --line:#d1d5db; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid var(--ink); padding-bottom: 2px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--grey); margin: 0 0 12px; } .meta code { font-size: 12px; word-break: break-all; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 10px; }
.figure { border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
.figure .value { font-size: 26px; font-weight: 700; } .figure .label { color: var(--grey); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; } tr { page-break-inside: avoid; break-inside: avoid; }
.sev-critical { color: var(--bad); font-weight: 700; } .sev-high { color: var(--bad); } .sev-medium { color: var(--mid); }
.badge { display: inline-block; font-size: 11px; padding: 0 5px; border-radius: 8px; background: #fde68a; margin-left: 4px; }
.note { color: var(--grey); font-size: 12px; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  section { break-inside: auto; }
  .figures, .charts, svg { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}`;

const percent = (score: number | null) => (score === null ? '—' : `${(score * 100).toFixed(1)} %`);
const scoreColour = (score: number | null) => (score === null ? '#9ca3af' : score >= 0.9 ? '#1a7f37' : score >= 0.7 ? '#b26b00' : '#c62828');

function formatDate(iso: string | null, t: Text, timeZone: string): string {
  if (iso === null) return '—';
  return new Intl.DateTimeFormat(t.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

/** Horizontal bars, one per key: label, bar of length score, percentage. */
function scoreChart(id: string, title: string, scores: Record<string, Score>, label: (key: string) => string): SafeHtml {
  const entries = Object.entries(scores);
  const row = 26;
  const labelWidth = 230;
  const barWidth = 250;
  const height = Math.max(1, entries.length) * row + 8;
  return html`<figure>
<svg id="${id}" xmlns="http://www.w3.org/2000/svg" role="img" width="${labelWidth + barWidth + 70}" height="${height}" viewBox="0 0 ${labelWidth + barWidth + 70} ${height}">
<title>${title}</title>
${entries.map(([key, s], i) => {
  const y = 4 + i * row;
  const w = s.score === null ? 0 : Math.round(s.score * barWidth);
  return html`<g class="bar" data-key="${key}">
<text x="0" y="${y + 16}" font-size="12">${label(key)}</text>
<rect x="${labelWidth}" y="${y + 3}" width="${barWidth}" height="16" fill="#e5e7eb"/>
<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="16" fill="${scoreColour(s.score)}"/>
<text x="${labelWidth + barWidth + 6}" y="${y + 16}" font-size="12">${percent(s.score)}</text>
</g>`;
})}
</svg>
<figcaption class="note">${title}</figcaption>
</figure>`;
}

/** One stacked bar of the overall result counts with its legend. */
function distributionChart(overall: Score, t: Text): SafeHtml {
  const parts: Array<[keyof Text['status_'], number, string]> = [
    ['pass', overall.pass, '#1a7f37'],
    ['fail', overall.fail, '#c62828'],
    ['warn', overall.warn, '#e0a100'],
    ['waived', overall.waived, '#7c3aed'],
    ['unknown', overall.unknown, '#9ca3af'],
    ['not_applicable', overall.not_applicable, '#d1d5db'],
  ];
  const total = parts.reduce((sum, [, n]) => sum + n, 0);
  const width = 700;
  let x = 0;
  return html`<svg id="chart-distribution" xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="60" viewBox="0 0 ${width} 60">
<title>${t.distribution}</title>
${parts.map(([key, n, colour]) => {
  const w = total === 0 ? 0 : (n / total) * width;
  const rect = html`<rect x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="20" fill="${colour}"><title>${t.status_[key]}: ${n}</title></rect>`;
  x += w;
  return rect;
})}
${parts.map(([key, n, colour], i) => html`<rect x="${i * 116}" y="32" width="10" height="10" fill="${colour}"/><text x="${i * 116 + 14}" y="41" font-size="11">${t.status_[key]} ${n}</text>`)}
</svg>`;
}

function severityCell(severity: Severity, t: Text): SafeHtml {
  return html`<td class="sev-${severity}">${t.severity_[severity]}</td>`;
}

function findingTable(id: string, items: readonly Finding[], total: number, report: AuditReport, t: Text, lang: ReportLang, withWaiver = false): SafeHtml {
  if (total === 0) return html`<p id="${id}" class="empty">${t.none}</p>`;
  const shown = items.slice(0, HTML_MAX_ROWS);
  return html`<table id="${id}">
<thead><tr><th>${t.severity}</th><th>${t.host}</th><th>${t.site}</th><th>${t.role}</th><th>${t.rule}</th><th>${t.status}</th><th>${withWaiver ? t.waiver : t.explanation}</th></tr></thead>
<tbody>
${shown.map(
  (f) => html`<tr data-rule="${f.rule_id}" data-host="${f.host_id}">
${severityCell(f.severity, t)}<td>${f.hostname}</td><td>${f.site}</td><td>${t.role_[f.role]}</td>
<td><strong>${f.rule_id}</strong> ${report.rules[f.rule_id]?.title[lang] ?? ''}</td>
<td>${t.status_[f.status]}${f.new ? html`<span class="badge">${t.new}</span>` : ''}</td>
<td>${withWaiver ? f.waiver_id : (f.explanation?.[lang] ?? '')}</td>
</tr>`,
)}
</tbody></table>
${total > shown.length ? html`<p class="note">${t.more(total - shown.length)}</p>` : ''}`;
}

function hostTable(id: string, items: readonly HostRef[], total: number, t: Text, timeZone: string): SafeHtml {
  if (total === 0) return html`<p id="${id}" class="empty">${t.none}</p>`;
  const shown = items.slice(0, HTML_MAX_ROWS);
  return html`<table id="${id}">
<thead><tr><th>${t.host}</th><th>${t.site}</th><th>${t.role}</th><th>${t.lastEvidence}</th></tr></thead>
<tbody>
${shown.map((h) => html`<tr data-host="${h.host_id}"><td>${h.hostname}</td><td>${h.site}</td><td>${t.role_[h.role]}</td><td>${formatDate(h.collected_at, t, timeZone)}</td></tr>`)}
</tbody></table>
${total > shown.length ? html`<p class="note">${t.more(total - shown.length)}</p>` : ''}`;
}

function waiverTable(id: string, items: readonly WaiverRef[], total: number, t: Text, timeZone: string): SafeHtml {
  if (total === 0) return html`<p id="${id}" class="empty">${t.none}</p>`;
  return html`<table id="${id}">
<thead><tr><th>${t.waiver}</th><th>${t.rule}</th><th>${t.scope}</th><th>${t.approver}</th><th>${t.justification}</th><th>${t.expires}</th></tr></thead>
<tbody>
${items.slice(0, HTML_MAX_ROWS).map((w) => html`<tr data-waiver="${w.id}"><td>${w.id}</td><td>${w.rule_id}</td><td>${w.scope}</td><td>${w.approver}</td><td>${w.justification}</td><td>${formatDate(w.expires_at, t, timeZone)}</td></tr>`)}
</tbody></table>`;
}

function emergencyTable(id: string, items: readonly AccessFinding[], total: number, t: Text, lang: ReportLang, timeZone: string): SafeHtml {
  if (total === 0) return html`<p id="${id}" class="empty">${t.none}</p>`;
  const shown = items.slice(0, HTML_MAX_ROWS);
  return html`<table id="${id}">
<thead><tr><th>${t.request}</th><th>${t.target}</th><th>${t.site}</th><th>${t.vendor}</th><th>${t.requester}</th><th>${t.approvers}</th><th>${t.approvedAt}</th><th>${t.overdue}</th></tr></thead>
<tbody>
${shown.map(
  (f) => html`<tr data-request="${f.request_id}">
<td><code>${f.request_id}</code><br>${f.ticket}</td><td>${f.target}${f.gateway === null ? '' : html`<br><span class="note">${f.gateway}</span>`}</td><td>${f.site}</td><td>${f.vendor ?? '—'}</td>
<td>${f.requester}</td><td>${f.approvers.join(', ')}</td><td>${formatDate(f.approved_at, t, timeZone)}</td><td class="sev-high">${formatOverdue(f.overdue_minutes, lang)}</td>
</tr>`,
)}
</tbody></table>
${total > shown.length ? html`<p class="note">${t.more(total - shown.length)}</p>` : ''}`;
}

function ruleTable(report: AuditReport, t: Text, lang: ReportLang): SafeHtml {
  return html`<table id="scores-by-rule">
<thead><tr><th>${t.rule}</th><th>${t.score}</th><th>${t.status_.pass}</th><th>${t.status_.fail}</th><th>${t.status_.warn}</th><th>${t.status_.waived}</th><th>${t.status_.unknown}</th><th>${t.status_.not_applicable}</th></tr></thead>
<tbody>
${Object.entries(report.by_rule).map(
  ([rule, s]) => html`<tr data-rule="${rule}"><td><strong>${rule}</strong> ${report.rules[rule]?.title[lang] ?? ''}</td><td>${percent(s.score)}</td><td>${s.pass}</td><td>${s.fail}</td><td>${s.warn}</td><td>${s.waived}</td><td>${s.unknown}</td><td>${s.not_applicable}</td></tr>`,
)}
</tbody></table>`;
}

export interface HtmlReportOptions {
  lang?: ReportLang;
  /** SHA-256 of the JSON report, shown so a printed copy can be checked. */
  reportSha256?: string | null;
  /** Time zone dates are shown in (default Europe/Paris). */
  timeZone?: string;
}

export function renderHtmlReport(report: AuditReport, options: HtmlReportOptions = {}): string {
  const lang = options.lang ?? 'fr';
  const t = TEXT[lang];
  const tz = options.timeZone ?? 'Europe/Paris';
  const critical = report.findings.items.filter((f) => f.severity === 'critical');
  const criticalTotal = critical.length < report.findings.items.length ? critical.length : report.findings.total;
  const others = report.findings.items.filter((f) => f.severity !== 'critical');
  const diff = report.diff;
  const page = html`<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t.title} — ${formatDate(report.started_at, t, tz)}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<header>
<h1>${t.title}</h1>
<p class="meta">${t.audit} <code id="audit-id">${report.audit_id}</code> · ${t.trigger} : ${t.triggers[report.trigger]} · ${t.started} ${formatDate(report.started_at, t, tz)} · ${t.finished} ${formatDate(report.finished_at, t, tz)}<br>
${t.packs} : ${report.packs.map((p, i) => html`${i > 0 ? ', ' : ''}${p.id} v${p.version}`)}${options.reportSha256 ? html`<br>${t.sha} : <code id="report-sha256">${options.reportSha256}</code>` : ''}</p>
</header>

<section id="key-figures">
<h2>${t.keyFigures}</h2>
<div class="figures">
<div class="figure" id="figure-score"><div class="value" style="color:${scoreColour(report.overall.score)}">${percent(report.overall.score)}</div><div class="label">${t.score}</div></div>
<div class="figure" id="figure-hosts"><div class="value">${report.hosts.total}</div><div class="label">${t.hosts} (${report.hosts.assessed} ${t.assessed}, ${report.hosts.stale} ${t.stale}, ${report.hosts.never_reported} ${t.neverReported})</div></div>
<div class="figure" id="figure-findings"><div class="value">${report.findings.total}</div><div class="label">${t.findings} (${criticalTotal} ${t.critical})</div></div>
<div class="figure" id="figure-new"><div class="value">${diff.new_failures.total}</div><div class="label">${t.newFailures}</div></div>
<div class="figure" id="figure-fixed"><div class="value">${diff.fixed.total}</div><div class="label">${t.fixed}</div></div>
</div>
<p class="note">${t.scoreNote}</p>
${distributionChart(report.overall, t)}
</section>

<section id="scores">
<h2>${t.scores}</h2>
<div class="charts">
${scoreChart('chart-sites', t.bySite, report.by_site, (k) => k)}
${scoreChart('chart-roles', t.byRole, report.by_role, (k) => (k in t.role_ ? t.role_[k as HostRole] : k))}
</div>
<h3>${t.byRule}</h3>
${ruleTable(report, t, lang)}
</section>

<section id="critical">
<h2>${t.criticalFindings} (${criticalTotal})</h2>
${findingTable('critical-findings', critical, criticalTotal, report, t, lang)}
</section>

<section id="access-emergencies">
<h2>${t.emergencies} (${report.access_findings?.total ?? 0})</h2>
<p class="note">${t.emergencyNote}</p>
${emergencyTable('emergencies-not-countersigned', report.access_findings?.items ?? [], report.access_findings?.total ?? 0, t, lang, tz)}
</section>

<section id="findings">
<h2>${t.otherFindings} (${report.findings.total - criticalTotal})</h2>
${findingTable('other-findings', others, report.findings.total - criticalTotal, report, t, lang)}
</section>

<section id="diff">
<h2>${t.diff}</h2>
${diff.previous_audit_id === null
  ? html`<p class="note" id="no-previous">${t.noPrevious}</p>`
  : html`<p class="meta">${t.previous} : <code>${diff.previous_audit_id}</code> (${formatDate(diff.previous_started_at, t, tz)})</p>
<table id="diff-counts"><tbody>
<tr><th>${t.newFailures}</th><td id="diff-new-failures">${diff.new_failures.total}</td></tr>
<tr><th>${t.fixed}</th><td id="diff-fixed">${diff.fixed.total}</td></tr>
<tr><th>${t.newHosts}</th><td id="diff-new-hosts">${diff.new_hosts.total}</td></tr>
<tr><th>${t.vanishedHosts}</th><td id="diff-vanished-hosts">${diff.vanished_hosts.total}</td></tr>
</tbody></table>
<h3>${t.newFailures}</h3>${findingTable('new-failures', diff.new_failures.items, diff.new_failures.total, report, t, lang)}
<h3>${t.fixed}</h3>${findingTable('fixed', diff.fixed.items, diff.fixed.total, report, t, lang)}
<h3>${t.newHosts}</h3>${hostTable('new-hosts', diff.new_hosts.items, diff.new_hosts.total, t, tz)}
<h3>${t.vanishedHosts}</h3>${hostTable('vanished-hosts', diff.vanished_hosts.items, diff.vanished_hosts.total, t, tz)}`}
</section>

<section id="hosts">
<h2>${t.staleHosts} (${report.stale_hosts.total})</h2>
${hostTable('stale-hosts', report.stale_hosts.items, report.stale_hosts.total, t, tz)}
<h2>${t.neverReportedHosts} (${report.never_reported.total})</h2>
${hostTable('never-reported', report.never_reported.items, report.never_reported.total, t, tz)}
</section>

<section id="waivers">
<h2>${t.waivers}</h2>
<h3>${t.waivedFindings} (${report.waived.total})</h3>
${findingTable('waived-findings', report.waived.items, report.waived.total, report, t, lang, true)}
<h3>${t.expiredWaivers} (${report.expired_waivers.total})</h3>
${waiverTable('expired-waivers', report.expired_waivers.items, report.expired_waivers.total, t, tz)}
</section>
</body>
</html>
`;
  return page.value;
}
