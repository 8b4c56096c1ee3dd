// `vigie policy list`, `vigie policy lint FILE...` and `vigie policy eval`: the policy packs as an
// RSSI sees them, offline (no database, no server).
import { readFileSync, statSync } from 'node:fs';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { Report, REPORT_MAX_BYTES } from '../../policies/evidence.js';
import { evaluate } from '../../policies/evaluate.js';
import { formatFinding, lintPolicyFile } from '../../policies/lint.js';
import {
  applySiteOverlay,
  effectiveSeverity,
  loadPackFile,
  loadShippedPacks,
  loadSiteOverlayFile,
  packLabel,
  PackError,
  type Pack,
} from '../../policies/pack.js';
import type { Verdict } from '../../policies/verdict.js';
import { JsonOption, jsonSpec } from './common.js';
import type { CliIo } from './io.js';
import { parseCommand, UsageError } from './options.js';

const LangOption = Type.Optional(Type.Enum(['fr', 'en'] as const));
const PackOption = Type.String({ minLength: 1, maxLength: 4096 });

/** Most files one `vigie policy lint` call accepts. */
export const LINT_MAX_FILES = 100;

export const POLICY_LIST_USAGE = `Usage: vigie policy list [--pack NAME|FILE] [--lang fr|en] [--json]

Without --pack: the packs shipped with Vigie (id, version, roles, rule count, allowlist entries).
With --pack: the rules of that pack (a shipped pack id, or a pack file path): id, severity
(escalated severity on telemaintenance gateways), roles it applies to, title.`;

export async function policyList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie policy list',
    args,
    { pack: { type: 'string' }, lang: { type: 'string' }, ...jsonSpec },
    Type.Object({ pack: Type.Optional(PackOption), lang: LangOption, json: JsonOption }, { additionalProperties: false }),
  );
  const lang = options.lang ?? 'fr';
  if (options.pack === undefined) {
    const packs = [...loadShippedPacks().values()].sort((a, b) => a.id.localeCompare(b.id));
    const rows = packs.map((p) => ({ id: p.id, version: p.version, roles: p.roles, rules: p.rules.length, allowlist_entries: p.allowlist.length, title: p.title[lang] }));
    if (options.json === true) {
      io.stdout(JSON.stringify(rows));
      return 0;
    }
    io.stdout(['PACK', 'VERSION', 'ROLES', 'RULES', 'ALLOWLIST', 'TITLE'].join('\t'));
    for (const r of rows) io.stdout([r.id, r.version, r.roles.join(',') || '(abstract)', r.rules, r.allowlist_entries, r.title].join('\t'));
    return 0;
  }
  const pack = resolvePack(options.pack);
  const rules = pack.rules.map((rule) => ({
    id: rule.id,
    severity: rule.severity,
    gateway_severity: effectiveSeverity(rule, 'telemaintenance-gateway'),
    applies_to: rule.applies_to,
    title: rule.title[lang],
    references: rule.references.map((r) => `${r.document} ${r.measure}`),
  }));
  if (options.json === true) {
    io.stdout(JSON.stringify({ pack: { id: pack.id, version: pack.version, roles: pack.roles, extends: pack.extends }, rules }));
    return 0;
  }
  io.stdout(`${packLabel(pack)} — ${pack.title[lang]} (roles: ${pack.roles.join(', ') || 'abstract'}; extends: ${pack.extends.join(', ') || '-'}; ${pack.allowlist.length} allowlist entries)`);
  io.stdout(['RULE', 'SEVERITY', 'ON_GATEWAY', 'APPLIES_TO', 'TITLE'].join('\t'));
  for (const r of rules) io.stdout([r.id, r.severity, r.gateway_severity, r.applies_to.join(','), r.title].join('\t'));
  return 0;
}

export const POLICY_LINT_USAGE = `Usage: vigie policy lint FILE [FILE...]

Lint allowlist files (entries:), packs (id:, version:) and site overlays (site:), including the
allowlist_files they name. One line per finding: FILE:LINE: [code] entry: reason.
NET-02 rules: IPv4 wider than /24, IPv6 wider than /48, 0.0.0.0/0, wildcards directly under a
registrable domain or public suffix (unless exception: true with a justification), expiry more
than 365 days after approval, missing owner or purpose, duplicate ids; plus any load error.
Exit 0 when clean, 1 on findings, 2 on bad usage.`;

export async function policyLint(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseCommand('vigie policy lint', args, {}, Type.Object({}, { additionalProperties: false }), LINT_MAX_FILES);
  if (positionals.length === 0) throw new UsageError('vigie policy lint: give at least one FILE');
  let total = 0;
  for (const file of positionals) {
    const { kind, findings } = lintPolicyFile(file);
    total += findings.length;
    for (const finding of findings) io.stdout(formatFinding(finding));
    if (findings.length === 0) io.stderr(`${file}: OK (${kind ?? 'file'})`);
  }
  if (total > 0) io.stderr(`${total} finding(s)`);
  return total > 0 ? 1 : 0;
}

export const POLICY_EVAL_USAGE = `Usage: vigie policy eval --pack NAME|FILE --evidence REPORT.json [--overlay FILE] [--now ISO-8601] [--json] [--lang fr|en]

Judge one agent report against a pack (a shipped pack id such as "server", or a pack file),
optionally with a site overlay file, at --now (default: the current time). The report is first
checked against the Report schema (the error names the field). Prints one line per rule
(status, severity, rule, title, explanation); --json prints the verdicts as a JSON array.
Exit 0 once judged (whatever the verdicts), 1 when the pack or the report cannot be read.`;

const reportValidator = Compile(Report);

export async function policyEval(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie policy eval',
    args,
    { pack: { type: 'string' }, evidence: { type: 'string' }, overlay: { type: 'string' }, now: { type: 'string' }, lang: { type: 'string' }, ...jsonSpec },
    Type.Object(
      {
        pack: PackOption,
        evidence: Type.String({ minLength: 1, maxLength: 4096 }),
        overlay: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
        now: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
        lang: LangOption,
        json: JsonOption,
      },
      { additionalProperties: false },
    ),
  );
  const lang = options.lang ?? 'fr';
  const now = options.now === undefined ? new Date() : new Date(options.now);
  let pack = resolvePack(options.pack);
  const report = readReport(options.evidence);
  if (options.overlay !== undefined) {
    const overlay = loadSiteOverlayFile(options.overlay);
    if (overlay.site !== report.host.site) {
      io.stderr(`vigie policy eval: note: overlay is for site ${overlay.site}, the report's host is at site ${report.host.site}`);
    }
    pack = applySiteOverlay(pack, overlay, report.host.role);
  }
  if (!pack.roles.includes(report.host.role)) {
    io.stderr(`vigie policy eval: note: pack ${pack.id} is not the pack of role ${report.host.role} (roles: ${pack.roles.join(', ') || 'none'})`);
  }
  const verdicts = evaluate(report, pack, now);
  if (options.json === true) {
    io.stdout(JSON.stringify(verdicts));
    return 0;
  }
  io.stdout(
    `${report.host.hostname} (${report.host.role}, site ${report.host.site}), collected ${report.collected_at}, ` +
      `judged at ${now.toISOString()} by ${packLabel(pack)}`,
  );
  for (const v of verdicts) io.stdout(formatVerdict(v, lang));
  const counts = (['pass', 'warn', 'fail', 'unknown', 'not_applicable'] as const).map((s) => `${verdicts.filter((v) => v.status === s).length} ${s}`);
  io.stdout(counts.join(', '));
  return 0;
}

function formatVerdict(v: Verdict, lang: 'fr' | 'en'): string {
  const threshold = v.threshold === null ? '' : ` [${v.threshold}]`;
  return `${v.status.toUpperCase().padEnd(14)} ${v.severity.padEnd(8)} ${v.rule_id.padEnd(8)} ${v.title[lang]}: ${v.explanation[lang]}${threshold}`;
}

/** A shipped pack id, or a pack file path (anything with a slash or ending in .yaml/.yml). */
function resolvePack(nameOrFile: string): Pack {
  if (nameOrFile.includes('/') || /\.ya?ml$/.test(nameOrFile)) return loadPackFile(nameOrFile);
  const shipped = loadShippedPacks();
  const pack = shipped.get(nameOrFile);
  if (!pack) throw new UsageError(`--pack "${nameOrFile}": no shipped pack of that name (known: ${[...shipped.keys()].sort().join(', ')}); give a file path for your own pack`);
  return pack;
}

/** Reads a report JSON file and checks it against the Report schema, naming the first bad field. */
function readReport(path: string): Report {
  let text: string;
  try {
    if (statSync(path).size > REPORT_MAX_BYTES) throw new Error(`larger than ${REPORT_MAX_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read the report: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  if (!reportValidator.Check(data)) {
    const errors = reportValidator.Errors(data).slice(0, 3);
    const described = errors.map((e) => {
      const params = e.params as { requiredProperties?: string[]; additionalProperties?: string[] };
      const detail = params.requiredProperties
        ? `missing field(s) ${params.requiredProperties.join(', ')}`
        : e.keyword === 'boolean'
          ? 'unknown field'
          : e.message;
      return `${e.instancePath || '/'}: ${detail}`;
    });
    throw new Error(`${path}: not a valid Vigie report: ${described.join('; ')}`);
  }
  return data;
}

