// LOG-01: clock synchronised on the establishment's time source (offset <= max_offset_seconds,
// inclusive) and logs forwarded (last shipped event <= max_forwarding_age_hours, inclusive).
import { Type } from 'typebox';
import { isUnavailable } from '../evidence.js';
import { isOutcome, systemOf } from './evidence-gaps.js';
import { ageAt } from './time.js';
import { formatDuration, HOUR_MS, type Finding } from './rule.js';
import { defineFindingsRule } from './findings-rule.js';

export const Log01Parameters = Type.Object(
  {
    /** The establishment's NTP sources (names or addresses). Empty: not declared (warn). */
    ntp_sources: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 32 }),
    max_offset_seconds: Type.Number({ exclusiveMinimum: 0, maximum: 3600 }),
    max_forwarding_age_hours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 31 }),
  },
  { additionalProperties: false },
);

export const log01 = defineFindingsRule({
  id: 'LOG-01',
  section: 'system',
  parameters: Log01Parameters,
  threshold: (p) => `time source in {${p.ntp_sources.join(', ') || 'not declared'}}; offset <= ${p.max_offset_seconds} s; last shipped log event <= ${p.max_forwarding_age_hours} h`,
  leads: {
    pass: ['Horloge synchronisée et journaux transférés', 'Clock synchronised and logs forwarded'],
    warn: ['Horloge et journaux à vérifier', 'Clock and logs to be checked'],
    unknown: ['Horloge ou transfert des journaux non établi', 'Clock or log forwarding not established'],
    fail: ['Horloge non conforme ou journaux non transférés', 'Clock off or logs not forwarded'],
  },
  check(report, p, context, threshold) {
    const system = systemOf(report, threshold);
    if (isOutcome(system)) return system;
    const findings: Finding[] = [];
    const time = system.time_sync;
    if (isUnavailable(time)) findings.push({ status: 'unknown', pointer: '/system/time_sync', fr: `synchronisation horaire non observable (${time.unavailable})`, en: `time sync not observable (${time.unavailable})` });
    else if (!time.synchronized) findings.push({ status: 'fail', pointer: '/system/time_sync/synchronized', fr: `${time.daemon} non synchronisé`, en: `${time.daemon} not synchronised` });
    else {
      const source = time.current_source;
      const declared = p.ntp_sources.map((s) => s.toLowerCase());
      if (declared.length === 0) findings.push({ status: 'warn', pointer: '/system/time_sync/current_source', fr: `source ${source ?? '?'} : sources de l'établissement non déclarées (ntp_sources)`, en: `source ${source ?? '?'}: establishment sources not declared (ntp_sources)` });
      else if (source === null || !declared.includes(source.toLowerCase())) findings.push({ status: 'fail', pointer: '/system/time_sync/current_source', fr: `source ${source ?? 'aucune'} hors des sources de l'établissement`, en: `source ${source ?? 'none'} is not an establishment source` });
      else findings.push({ status: 'pass', pointer: '/system/time_sync/current_source', fr: `source ${source}`, en: `source ${source}` });
      if (time.offset_seconds === null) findings.push({ status: 'unknown', pointer: '/system/time_sync/offset_seconds', fr: 'décalage inconnu', en: 'offset unknown' });
      else findings.push(time.offset_seconds <= p.max_offset_seconds
        ? { status: 'pass', pointer: '/system/time_sync/offset_seconds', fr: `décalage ${time.offset_seconds} s`, en: `offset ${time.offset_seconds} s` }
        : { status: 'fail', pointer: '/system/time_sync/offset_seconds', fr: `décalage ${time.offset_seconds} s > ${p.max_offset_seconds} s`, en: `offset ${time.offset_seconds} s > ${p.max_offset_seconds} s` });
    }
    const logs = system.log_forwarding;
    if (isUnavailable(logs)) findings.push({ status: 'unknown', pointer: '/system/log_forwarding', fr: `transfert des journaux non observable (${logs.unavailable})`, en: `log forwarding not observable (${logs.unavailable})` });
    else if (logs.length === 0) findings.push({ status: 'fail', pointer: '/system/log_forwarding', fr: 'aucun transfert de journaux configuré', en: 'no log forwarding configured' });
    else {
      const dated = logs.map((l, i) => ({ l, i, age: l.last_shipped_at === null ? null : ageAt(l.last_shipped_at, context.now) })).filter((x) => x.age !== null);
      const best = dated.sort((a, b) => (a.age ?? 0) - (b.age ?? 0))[0];
      if (!best || best.age === null) {
        const first = logs[0];
        findings.push({ status: 'unknown', pointer: '/system/log_forwarding/0', fr: `dernier envoi inconnu (${first?.daemon} vers ${first?.target} : ${first?.last_shipped_unavailable ?? '?'})`, en: `last shipped event unknown (${first?.daemon} to ${first?.target}: ${first?.last_shipped_unavailable ?? '?'})` });
      } else {
        const d = formatDuration(best.age);
        findings.push(best.age <= p.max_forwarding_age_hours * HOUR_MS
          ? { status: 'pass', pointer: `/system/log_forwarding/${best.i}`, fr: `dernier événement transmis à ${best.l.target} il y a ${d.fr}`, en: `last event shipped to ${best.l.target} ${d.en} ago` }
          : { status: 'fail', pointer: `/system/log_forwarding/${best.i}`, fr: `dernier événement transmis à ${best.l.target} il y a ${d.fr} (> ${p.max_forwarding_age_hours} h)`, en: `last event shipped to ${best.l.target} ${d.en} ago (> ${p.max_forwarding_age_hours} h)` });
      }
    }
    return findings;
  },
});
