// BKP-06 (monitoring and encryption in transit), BKP-07 (third-party cloud target HDS-certified
// in the EEA), BKP-08 (removable backup drives encrypted, labelled, not left connected). Their
// evidence is declared by the backup tool's status file (revision 2 fields).
import { Type } from 'typebox';
import { isUnavailable } from '../evidence.js';
import { ageAt } from './time.js';
import { isReported, missingEvidence } from './evidence-gaps.js';
import { formatDuration, HOUR_MS, type Finding } from './rule.js';
import { defineFindingsRule } from './findings-rule.js';
import type { Bilingual } from '../verdict.js';

const strict = { additionalProperties: false } as const;

export const Bkp06Parameters = Type.Object({ max_unacknowledged_hours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 31 }) }, strict);

export const bkp06 = defineFindingsRule({
  id: 'BKP-06',
  section: 'backups',
  parameters: Bkp06Parameters,
  threshold: (p) => `alerting configured; no unacknowledged failed job older than ${p.max_unacknowledged_hours} h; transfers encrypted`,
  leads: {
    pass: ['Sauvegardes supervisées et chiffrées en transit', 'Backups monitored and encrypted in transit'],
    unknown: ['Supervision des sauvegardes non établie', 'Backup monitoring not established'],
    fail: ['Sauvegardes non supervisées ou transferts en clair', 'Backups unmonitored or sent in clear'],
  },
  check(report, p, context, threshold) {
    const m = report.backups.monitoring;
    if (!isReported(m)) return missingEvidence(m, '/backups/monitoring', { fr: 'Supervision des sauvegardes', en: 'Backup monitoring' }, threshold);
    const findings: Finding[] = [];
    findings.push(m.alert_target === null
      ? { status: 'fail', pointer: '/backups/monitoring/alert_target', fr: "aucune alerte d'échec configurée", en: 'no failure alerting configured' }
      : { status: 'pass', pointer: '/backups/monitoring/alert_target', fr: `alertes vers ${m.alert_target}`, en: `alerts to ${m.alert_target}` });
    m.failed_jobs.forEach((j, i) => {
      if (j.acknowledged) return;
      const age = ageAt(j.failed_at, context.now);
      if (age !== null && age > p.max_unacknowledged_hours * HOUR_MS) {
        findings.push({ status: 'fail', pointer: `/backups/monitoring/failed_jobs/${i}`, fr: `échec ${j.job} non acquitté depuis ${formatDuration(age).fr}`, en: `failed job ${j.job} unacknowledged for ${formatDuration(age).en}` });
      }
    });
    findings.push(m.transport_encrypted === true
      ? { status: 'pass', pointer: '/backups/monitoring/transport_encrypted', fr: 'transferts chiffrés', en: 'transfers encrypted' }
      : m.transport_encrypted === false
        ? { status: 'fail', pointer: '/backups/monitoring/transport_encrypted', fr: 'transferts en clair', en: 'transfers in clear' }
        : { status: 'unknown', pointer: '/backups/monitoring/transport_encrypted', fr: 'chiffrement des transferts inconnu', en: 'transfer encryption unknown' });
    return findings;
  },
});

export const Bkp07Parameters = Type.Object(
  { allowed_countries: Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { minItems: 1, maxItems: 64, uniqueItems: true }) },
  strict,
);

export const bkp07 = defineFindingsRule({
  id: 'BKP-07',
  section: 'backups',
  parameters: Bkp07Parameters,
  threshold: (p) => `third-party targets of health data: valid HDS certificate and region in {${p.allowed_countries.join(', ')}} (EEA); SecNumCloud noted`,
  leads: {
    pass: ['Destinations tierces HDS dans l\'EEE', 'Third-party targets HDS-certified in the EEA'],
    fail: ['Destination tierce non HDS ou hors EEE', 'Third-party target not HDS or outside the EEA'],
  },
  check(report, p, context, threshold) {
    const destinations = report.backups.destinations;
    if (!isReported(destinations)) return missingEvidence(destinations, '/backups/destinations', { fr: 'Destinations de sauvegarde', en: 'Backup destinations' }, threshold);
    const findings: Finding[] = [];
    destinations.forEach((d, i) => {
      const pointer = `/backups/destinations/${i}`;
      const name = `${d.name} (${d.provider})`;
      if (!d.third_party || !d.health_data) {
        findings.push({ status: 'not_applicable', pointer, fr: `${name} : ${!d.third_party ? 'interne' : 'sans données de santé'}`, en: `${name}: ${!d.third_party ? 'in-house' : 'no health data'}` });
        return;
      }
      const problems: Bilingual[] = [];
      if (d.hds_certificate === null) problems.push({ fr: 'aucun certificat HDS', en: 'no HDS certificate' });
      else if (d.hds_expires_at === null) problems.push({ fr: 'échéance du certificat HDS inconnue', en: 'HDS certificate expiry unknown' });
      else if (Date.parse(d.hds_expires_at) < context.now.getTime()) problems.push({ fr: `certificat HDS expiré le ${d.hds_expires_at.slice(0, 10)}`, en: `HDS certificate expired on ${d.hds_expires_at.slice(0, 10)}` });
      if (d.region_country === null) problems.push({ fr: 'région de stockage inconnue', en: 'storage region unknown' });
      else if (!p.allowed_countries.includes(d.region_country)) problems.push({ fr: `stockage hors EEE (${d.region_country})`, en: `storage outside the EEA (${d.region_country})` });
      const bonus = d.secnumcloud === true ? { fr: ', SecNumCloud', en: ', SecNumCloud' } : { fr: '', en: '' };
      if (problems.length === 0) findings.push({ status: 'pass', pointer, fr: `${name} : HDS ${d.hds_certificate}, ${d.region_country}${bonus.fr}`, en: `${name}: HDS ${d.hds_certificate}, ${d.region_country}${bonus.en}` });
      else findings.push({ status: 'fail', pointer, fr: `${name} : ${problems.map((x) => x.fr).join(', ')}`, en: `${name}: ${problems.map((x) => x.en).join(', ')}` });
    });
    if (findings.every((f) => f.status === 'not_applicable')) {
      return { status: 'pass', explanation: { fr: 'Aucune destination tierce recevant des données de santé.', en: 'No third-party destination receives health data.' }, evidence: ['/backups/destinations'], threshold };
    }
    return findings;
  },
});

export const Bkp08Parameters = Type.Object({ max_connected_hours_after_job: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 31 }) }, strict);

export const bkp08 = defineFindingsRule({
  id: 'BKP-08',
  section: 'backups',
  parameters: Bkp08Parameters,
  notApplicable(report) {
    const targets = report.backups.removable_targets;
    if (targets !== undefined && !isUnavailable(targets) && targets.length === 0) {
      return { fr: 'Aucun support amovible de sauvegarde vu.', en: 'No removable backup target seen.' };
    }
    return null;
  },
  threshold: (p) => `encrypted; inventory ID; not connected more than ${p.max_connected_hours_after_job} h after the job ended (warn)`,
  leads: {
    pass: ['Supports amovibles chiffrés et étiquetés', 'Removable targets encrypted and labelled'],
    warn: ['Support amovible laissé branché', 'Removable target left connected'],
    unknown: ['Supports amovibles non établis', 'Removable targets not established'],
    fail: ['Support amovible non chiffré ou non inventorié', 'Removable target unencrypted or not inventoried'],
  },
  check(report, p, context, threshold) {
    const targets = report.backups.removable_targets;
    if (!isReported(targets)) return missingEvidence(targets, '/backups/removable_targets', { fr: 'Supports amovibles de sauvegarde', en: 'Removable backup targets' }, threshold);
    const findings: Finding[] = targets.map((d, i) => {
      const pointer = `/backups/removable_targets/${i}`;
      if (d.encrypted === false) return { status: 'fail', pointer, fr: `${d.label} non chiffré`, en: `${d.label} not encrypted` };
      if (d.inventory_id === null) return { status: 'fail', pointer, fr: `${d.label} sans numéro d'inventaire`, en: `${d.label} has no inventory ID` };
      if (d.encrypted === null) return { status: 'unknown', pointer, fr: `${d.label} : chiffrement inconnu`, en: `${d.label}: encryption unknown` };
      if (d.connected && d.last_job_ended_at !== null) {
        const since = ageAt(d.last_job_ended_at, context.now);
        if (since !== null && since > p.max_connected_hours_after_job * HOUR_MS) {
          return { status: 'warn', pointer, fr: `${d.label} toujours branché ${formatDuration(since).fr} après la fin de la sauvegarde`, en: `${d.label} still connected ${formatDuration(since).en} after the job ended` };
        }
      }
      return { status: 'pass', pointer, fr: `${d.label} (${d.inventory_id}) chiffré`, en: `${d.label} (${d.inventory_id}) encrypted` };
    });
    return findings;
  },
});
