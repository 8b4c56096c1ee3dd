// WIFI-07: access-point hardening, judged only where an AP/WLC collector reports access points
// (wifi.access_points); elsewhere not applicable. WPS off; admin interface not reachable from a
// WLAN; default admin password changed and >= min_password_length (attested); guest VLAN isolated
// from internal ranges; guest session TTL set.
import { Type } from 'typebox';
import { isUnavailable } from '../evidence.js';
import { missingEvidence } from './evidence-gaps.js';
import type { Finding } from './rule.js';
import { defineFindingsRule } from './findings-rule.js';
import type { Bilingual } from '../verdict.js';

export const Wifi07Parameters = Type.Object({ min_password_length: Type.Integer({ minimum: 1, maximum: 128 }) }, { additionalProperties: false });

export const wifi07 = defineFindingsRule({
  id: 'WIFI-07',
  section: 'wifi',
  parameters: Wifi07Parameters,
  notApplicable(report) {
    const wifi = report.wifi;
    if (wifi.access_points === undefined) {
      return { fr: "Aucun collecteur de bornes Wi-Fi (AP/WLC) ne rapporte par cet hôte.", en: 'No access-point or WLC collector reports through this host.' };
    }
    return null;
  },
  threshold: (p) => `WPS off; admin not reachable from any WLAN; admin password changed and >= ${p.min_password_length} characters; guest VLAN isolated; guest TTL set`,
  leads: {
    pass: ['Bornes Wi-Fi durcies', 'Access points hardened'],
    unknown: ['Durcissement des bornes non établi', 'Access-point hardening not established'],
    fail: ['Borne Wi-Fi non durcie', 'Access point not hardened'],
  },
  check(report, p, context, threshold) {
    const aps = report.wifi.access_points;
    if (aps === undefined || isUnavailable(aps)) return missingEvidence(aps, '/wifi/access_points', { fr: 'Bornes Wi-Fi', en: 'Access points' }, threshold);
    const findings: Finding[] = aps.map((ap, i) => {
      const pointer = `/wifi/access_points/${i}`;
      const bad: Bilingual[] = [];
      let unknown = false;
      const check = (value: boolean | null, good: boolean, problem: Bilingual) => {
        if (value === null) unknown = true;
        else if (value !== good) bad.push(problem);
      };
      check(ap.wps_enabled, false, { fr: 'WPS actif', en: 'WPS on' });
      check(ap.admin_reachable_from_wlan, false, { fr: "administration joignable depuis le Wi-Fi", en: 'admin reachable from a WLAN' });
      check(ap.admin_password_changed, true, { fr: 'mot de passe par défaut', en: 'default password' });
      check(ap.guest_isolated, true, { fr: 'VLAN invité routé vers l\'interne', en: 'guest VLAN routes to internal ranges' });
      if (ap.admin_password_length === null) unknown = true;
      else if (ap.admin_password_length < p.min_password_length) bad.push({ fr: `mot de passe de ${ap.admin_password_length} caractères`, en: `${ap.admin_password_length}-character password` });
      if (ap.guest_session_ttl_minutes === null) unknown = true;
      else if (ap.guest_session_ttl_minutes === 0) bad.push({ fr: 'sessions invité sans durée limite', en: 'guest sessions without a time limit' });
      if (bad.length > 0) return { status: 'fail', pointer, fr: `${ap.name} : ${bad.map((b) => b.fr).join(', ')}`, en: `${ap.name}: ${bad.map((b) => b.en).join(', ')}` };
      if (unknown) return { status: 'unknown', pointer, fr: `${ap.name} : éléments non rapportés`, en: `${ap.name}: items not reported` };
      return { status: 'pass', pointer, fr: `${ap.name} durcie`, en: `${ap.name} hardened` };
    });
    return findings;
  },
});
