// `vigie-agent check`: judges this host offline with the same packs the server uses, for a
// technician preparing a telemaintenance gateway before asking for a window.
import type { HostRole, Report } from '../policies/evidence.js';
import { loadPackFile, loadShippedPacks, packForRole, type Pack } from '../policies/pack.js';
import type { Verdict } from '../policies/verdict.js';

export class CheckError extends Error {}

/** A pack by shipped id (e.g. `telemaintenance-gateway`) or by file path; default: the role's pack. */
export function resolvePack(nameOrPath: string | undefined, role: HostRole): Pack {
  if (nameOrPath === undefined) return packForRole(role);
  // A file is named by its extension or a path; a bare word is a shipped pack id.
  if (/\.ya?ml$/.test(nameOrPath) || nameOrPath.includes('/') || nameOrPath.includes('\\')) return loadPackFile(nameOrPath);
  const shipped = loadShippedPacks();
  const pack = shipped.get(nameOrPath);
  if (!pack) throw new CheckError(`no shipped pack "${nameOrPath}"; known: ${[...shipped.keys()].sort().join(', ')}`);
  return pack;
}

const MARK: Record<Verdict['status'], string> = {
  pass: 'OK  ',
  warn: 'WARN',
  fail: 'FAIL',
  unknown: '??  ',
  not_applicable: 'n/a ',
};

export function renderVerdicts(report: Report, pack: Pack, verdicts: Verdict[], lang: 'fr' | 'en'): string {
  const header =
    lang === 'fr'
      ? `${report.host.hostname} — rôle ${report.host.role} — pack ${pack.id} v${pack.version}`
      : `${report.host.hostname} — role ${report.host.role} — pack ${pack.id} v${pack.version}`;
  const lines = [header, ''];
  for (const v of verdicts) {
    lines.push(`[${MARK[v.status]}] ${v.rule_id} (${v.severity}) ${v.title[lang]}`);
    lines.push(`       ${v.explanation[lang]}`);
    if (v.threshold) lines.push(`       ${lang === 'fr' ? 'seuil' : 'threshold'}: ${v.threshold}`);
  }
  return lines.join('\n');
}
