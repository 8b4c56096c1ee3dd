// INV-01..03: asset inventory fresh, OS in vendor support, security patches within 30 days.
// They read the `system` section (evidence revision 2); an agent that does not report it gives
// unknown ("not reported by this agent"), never pass.
import { Type } from 'typebox';
import { endOfSupportOf } from '../data/end-of-support.js';
import type { Report, SystemEvidence } from '../evidence.js';
import { isUnavailable } from '../evidence.js';
import { ageAt, DAY_MS } from './time.js';
import { isOutcome, missingEvidence, systemOf } from './evidence-gaps.js';
import { passOutcome, summarise } from './outcomes.js';
import { defineRule, formatDuration, type Finding, type RuleOutcome } from './rule.js';
import { defineFindingsRule } from './findings-rule.js';

const strict = { additionalProperties: false } as const;

// INV-01: the host reports its role and an identified OS, and the inventory (the report) is no
// older than max_age_days (inclusive). Owner and location are CMDB fields of the server, not judged here.
export const Inv01Parameters = Type.Object({ max_age_days: Type.Number({ exclusiveMinimum: 0, maximum: 366 }) }, strict);

export const inv01 = defineFindingsRule({
  id: 'INV-01',
  section: 'system',
  parameters: Inv01Parameters,
  threshold: (p) => `role and OS identified; inventory age <= ${p.max_age_days} d`,
  leads: {
    pass: ['Actif inventorié et à jour', 'Asset inventoried and fresh'],
    unknown: ['Inventaire incomplet', 'Inventory incomplete'],
    fail: ['Inventaire périmé', 'Inventory out of date'],
  },
  check(report, p, context, threshold) {
    const system = systemOf(report, threshold);
    if (isOutcome(system)) return system;
    const findings: Finding[] = [];
    const os = system.os;
    if (isUnavailable(os)) findings.push({ status: 'unknown', pointer: '/system/os', fr: `système non identifié (${os.unavailable})`, en: `OS not identified (${os.unavailable})` });
    else findings.push({ status: 'pass', pointer: '/system/os', fr: `${os.product} ${os.version}, rôle ${report.host.role}`, en: `${os.product} ${os.version}, role ${report.host.role}` });
    const age = ageAt(report.collected_at, context.now);
    if (age === null) findings.push({ status: 'unknown', pointer: '/collected_at', fr: 'date de collecte incohérente', en: 'implausible collection time' });
    else {
      const d = formatDuration(age);
      findings.push(
        age <= p.max_age_days * DAY_MS
          ? { status: 'pass', pointer: '/collected_at', fr: `inventaire de il y a ${d.fr}`, en: `inventory ${d.en} old` }
          : { status: 'fail', pointer: '/collected_at', fr: `inventaire de il y a ${d.fr} (> ${p.max_age_days} j)`, en: `inventory ${d.en} old (> ${p.max_age_days} d)` },
      );
    }
    return findings;
  },
});

// INV-02: the OS is inside its vendor's security support on `now` (the end day itself is
// supported). Out of support: fail, unless the host is listed in `isolated_exceptions` with its
// exception reference: warn (the isolation itself is judged by NET-01/NET-05). Unknown product
// or version: unknown.
export const Inv02Parameters = Type.Object(
  {
    isolated_exceptions: Type.Array(
      Type.Object({ host_id: Type.String({ minLength: 1, maxLength: 64 }), reference: Type.String({ minLength: 1, maxLength: 128 }) }, strict),
      { maxItems: 1000 },
    ),
  },
  strict,
);

export const inv02 = defineRule({
  id: 'INV-02',
  section: 'system',
  parameters: Inv02Parameters,
  check(report, p, context): RuleOutcome {
    const threshold = 'OS within its vendor security support (end-of-support data shipped with its sources), or isolated by a documented exception';
    const system = systemOf(report, threshold);
    if (isOutcome(system)) return system;
    const os = system.os;
    if (isUnavailable(os)) return missingEvidence(os, '/system/os', { fr: 'Produit et version du système', en: 'OS product and version' }, threshold);
    const eos = endOfSupportOf(os.product, os.version, os.build);
    const name = `${os.product} ${os.version}${os.build ? ` (${os.build})` : ''}`;
    if (!eos) {
      return { status: 'unknown', explanation: { fr: `Fin de support inconnue pour ${name} (absent des données embarquées).`, en: `End of support unknown for ${name} (not in the shipped data).` }, evidence: ['/system/os'], threshold };
    }
    const endsAt = Date.parse(`${eos.ends}T23:59:59.999Z`);
    if (context.now.getTime() <= endsAt) {
      return { status: 'pass', explanation: { fr: `${name} supporté jusqu'au ${eos.ends} (${eos.source}).`, en: `${name} supported until ${eos.ends} (${eos.source}).` }, evidence: ['/system/os'], threshold };
    }
    const exception = p.isolated_exceptions.find((e) => e.host_id === report.host.host_id);
    if (exception) {
      return { status: 'warn', explanation: { fr: `${name} hors support depuis le ${eos.ends}, isolé par dérogation ${exception.reference} : NET-01 et NET-05 doivent réussir.`, en: `${name} out of support since ${eos.ends}, isolated under exception ${exception.reference}: NET-01 and NET-05 must pass.` }, evidence: ['/system/os'], threshold };
    }
    return { status: 'fail', explanation: { fr: `${name} hors support depuis le ${eos.ends} (${eos.source}).`, en: `${name} out of support since ${eos.ends} (${eos.source}).` }, evidence: ['/system/os'], threshold };
  },
});

// INV-03: no pending security update published more than max_age_days ago (inclusive limit).
// Debian/Ubuntu archives publish no date: then the agent's first-seen date is a lower bound of
// the age — older than the limit proves a fail; younger leaves the update unknown.
export const Inv03Parameters = Type.Object({ max_age_days: Type.Number({ exclusiveMinimum: 0, maximum: 366 }) }, strict);

export const inv03 = defineRule({
  id: 'INV-03',
  section: 'system',
  parameters: Inv03Parameters,
  check(report, p, context): RuleOutcome {
    const threshold = `no pending security update published more than ${p.max_age_days} d ago`;
    const system = systemOf(report, threshold);
    if (isOutcome(system)) return system;
    const updates = system.updates;
    if (isUnavailable(updates)) return missingEvidence(updates, '/system/updates', { fr: 'Mises à jour en attente', en: 'Pending updates' }, threshold);
    const limit = p.max_age_days * DAY_MS;
    const findings: Finding[] = [];
    let undated = 0;
    updates.pending.forEach((u, i) => {
      if (!u.security) return;
      const pointer = `/system/updates/pending/${i}`;
      const name = `${u.package} ${u.version}`;
      const published = u.published_at === null ? null : ageAt(u.published_at, context.now);
      const seen = u.first_seen_at === null ? null : ageAt(u.first_seen_at, context.now);
      if (published !== null) {
        findings.push(published > limit
          ? { status: 'fail', pointer, fr: `${name} publiée il y a ${formatDuration(published).fr}`, en: `${name} published ${formatDuration(published).en} ago` }
          : { status: 'pass', pointer, fr: `${name} publiée il y a ${formatDuration(published).fr}`, en: `${name} published ${formatDuration(published).en} ago` });
      } else if (seen !== null && seen > limit) {
        findings.push({ status: 'fail', pointer, fr: `${name} en attente depuis au moins ${formatDuration(seen).fr}`, en: `${name} pending for at least ${formatDuration(seen).en}` });
      } else undated += 1;
    });
    if (undated > 0) {
      findings.push({
        status: 'unknown',
        pointer: '/system/updates/pending',
        fr: `${undated} mise(s) à jour de sécurité en attente sans date de publication (${updates.manager} ne la publie pas) et vue(s) depuis moins de ${p.max_age_days} j`,
        en: `${undated} pending security update(s) without a publication date (${updates.manager} does not publish it), seen for less than ${p.max_age_days} d`,
      });
    }
    if (!updates.complete) findings.push({ status: 'unknown', pointer: '/system/updates/complete', fr: 'liste des mises à jour tronquée', en: 'update list truncated' });
    if (findings.length === 0) {
      return passOutcome({ fr: `Aucune mise à jour de sécurité en attente (${updates.manager}).`, en: `No pending security update (${updates.manager}).` }, ['/system/updates/pending'], threshold);
    }
    return summarise(findings, {
      pass: ['Correctifs de sécurité récents seulement en attente', 'Only recent security updates pending'],
      unknown: ['Âge des correctifs en attente non établi', 'Age of pending security updates not established'],
      fail: [`Correctifs de sécurité en attente depuis plus de ${p.max_age_days} j`, `Security updates pending for more than ${p.max_age_days} d`],
    }, threshold);
  },
});
