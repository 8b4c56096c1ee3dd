// Telework rules beyond the catalogue's 46, for hosts tagged `mobile` (laptops that leave the site):
// ENC-01 full-disk encryption with an escrowed recovery key (HYG M31) and NET-09 always-on VPN
// (HYG M32). Not tagged `mobile`: not applicable.
import { Type } from 'typebox';
import type { Report } from '../evidence.js';
import { isMultiFactor } from './factors.js';
import { ageAt } from './time.js';
import { isOutcome, isReported, missingEvidence, systemOf } from './evidence-gaps.js';
import { formatDuration, HOUR_MS, type Finding } from './rule.js';
import { defineFindingsRule } from './findings-rule.js';
import type { Bilingual } from '../verdict.js';

const strict = { additionalProperties: false } as const;

export function notMobile(report: Report): Bilingual | null {
  return report.host.tags?.includes('mobile')
    ? null
    : { fr: "Hôte non étiqueté « mobile » : il ne quitte pas l'établissement.", en: 'Host not tagged "mobile": it does not leave the site.' };
}

/** Ciphers at least XTS-AES-128: LUKS "aes-xts-plain64" (256-bit key = AES-128), BitLocker XtsAes128/256. */
export function strongCipher(cipher: string | null, keyBits: number | null): boolean | null {
  if (cipher === null) return null;
  const c = cipher.toLowerCase();
  if (c === 'xtsaes128' || c === 'xtsaes256') return true;
  if (c.startsWith('aes-xts')) return keyBits === null ? null : keyBits >= 256;
  return false;
}

export const Enc01Parameters = Type.Object({ max_suspended_hours: Type.Number({ minimum: 0, maximum: 24 * 31 }) }, strict);

export const enc01 = defineFindingsRule({
  id: 'ENC-01',
  section: 'system',
  parameters: Enc01Parameters,
  notApplicable: (report) => notMobile(report),
  threshold: (p) => `every OS/data volume encrypted, protection on, XTS-AES-128 or stronger, recovery key escrowed; suspended <= ${p.max_suspended_hours} h = warn`,
  leads: {
    pass: ['Disques chiffrés, clés séquestrées', 'Disks encrypted, keys escrowed'],
    warn: ['Protection suspendue récemment', 'Protection recently suspended'],
    unknown: ['Chiffrement non établi', 'Encryption not established'],
    fail: ['Disque non chiffré ou mal protégé', 'Disk not encrypted or poorly protected'],
  },
  check(report, p, context, threshold) {
    const system = systemOf(report, threshold);
    if (isOutcome(system)) return system;
    const volumes = system.disk_encryption;
    if (!isReported(volumes)) return missingEvidence(volumes, '/system/disk_encryption', { fr: 'Chiffrement des disques', en: 'Disk encryption' }, threshold);
    if (volumes.length === 0) return { status: 'unknown', explanation: { fr: 'Aucune information de volume.', en: 'No volume information.' }, evidence: ['/system/disk_encryption'], threshold };
    const findings: Finding[] = volumes.map((v, i) => {
      const pointer = `/system/disk_encryption/${i}`;
      if (v.scheme === 'none') return { status: 'fail', pointer, fr: `${v.mount} non chiffré`, en: `${v.mount} not encrypted` };
      if (v.protection_on === false) {
        const since = v.suspended_since === null ? null : ageAt(v.suspended_since, context.now);
        if (since !== null && since <= p.max_suspended_hours * HOUR_MS) return { status: 'warn', pointer, fr: `${v.mount} : protection suspendue depuis ${formatDuration(since).fr}`, en: `${v.mount}: protection suspended for ${formatDuration(since).en}` };
        return { status: 'fail', pointer, fr: `${v.mount} : protection désactivée`, en: `${v.mount}: protection off` };
      }
      if (v.protection_on === null) return { status: 'unknown', pointer, fr: `${v.mount} : état de protection inconnu`, en: `${v.mount}: protection state unknown` };
      const strong = strongCipher(v.cipher, v.key_bits);
      if (strong === false) return { status: 'fail', pointer, fr: `${v.mount} : chiffrement ${v.cipher} plus faible que XTS-AES-128`, en: `${v.mount}: cipher ${v.cipher} weaker than XTS-AES-128` };
      if (strong === null) return { status: 'unknown', pointer, fr: `${v.mount} : algorithme de chiffrement inconnu`, en: `${v.mount}: cipher unknown` };
      if (v.recovery_escrowed === false) return { status: 'fail', pointer, fr: `${v.mount} : clé de récupération non séquestrée`, en: `${v.mount}: recovery key not escrowed` };
      if (v.recovery_escrowed === null) return { status: 'unknown', pointer, fr: `${v.mount} : séquestre de la clé de récupération non observable`, en: `${v.mount}: recovery key escrow not observable` };
      return { status: 'pass', pointer, fr: `${v.mount} : ${v.scheme} ${v.cipher}, clé séquestrée`, en: `${v.mount}: ${v.scheme} ${v.cipher}, key escrowed` };
    });
    return findings;
  },
});

// NET-09: an always-on VPN profile the user cannot disable, with strong authentication
// (>= 2 factors, as AUTH-04). Flows while off-site are judged by NET-01/NET-03 with the
// concentrator declared there.
export const Net09Parameters = Type.Object({}, strict);

export const net09 = defineFindingsRule({
  id: 'NET-09',
  section: 'system',
  parameters: Net09Parameters,
  notApplicable: (report) => notMobile(report),
  threshold: () => 'an always-on VPN profile the user cannot disable, requiring >= 2 factors',
  leads: {
    pass: ['', ''],
    unknown: ['VPN toujours actif non établi', 'Always-on VPN not established'],
    fail: ['Pas de VPN toujours actif et verrouillé', 'No locked always-on VPN'],
  },
  check(report, parameters, context, threshold) {
    const system = systemOf(report, threshold);
    if (isOutcome(system)) return system;
    const vpns = system.vpn_profiles;
    if (!isReported(vpns)) return missingEvidence(vpns, '/system/vpn_profiles', { fr: 'Profils VPN', en: 'VPN profiles' }, threshold);
    if (vpns.length === 0) return { status: 'fail', explanation: { fr: 'Aucun profil VPN sur ce poste nomade.', en: 'No VPN profile on this mobile host.' }, evidence: ['/system/vpn_profiles'], threshold };
    const findings: Finding[] = vpns.map((v, i) => {
      const pointer = `/system/vpn_profiles/${i}`;
      const problems: Bilingual[] = [];
      let unknown = false;
      if (v.always_on === false) problems.push({ fr: 'pas toujours actif', en: 'not always on' });
      if (v.user_can_disable === true) problems.push({ fr: "désactivable par l'utilisateur", en: 'the user can disable it' });
      if (v.factors.length > 0 && !isMultiFactor(v.factors)) problems.push({ fr: `un seul facteur (${v.factors.join(' + ')})`, en: `single factor (${v.factors.join(' + ')})` });
      if (v.always_on === null || v.user_can_disable === null || v.factors.length === 0) unknown = true;
      if (problems.length > 0) return { status: 'fail', pointer, fr: `${v.name} : ${problems.map((x) => x.fr).join(', ')}`, en: `${v.name}: ${problems.map((x) => x.en).join(', ')}` };
      if (unknown) return { status: 'unknown', pointer, fr: `${v.name} : mode toujours actif, verrouillage ou facteurs non établis`, en: `${v.name}: always-on, lock or factors not established` };
      return { status: 'pass', pointer, fr: `${v.name} : toujours actif, verrouillé, ${v.factors.join(' + ')}`, en: `${v.name}: always on, locked, ${v.factors.join(' + ')}` };
    });
    // One compliant profile is enough: the others may be spare profiles.
    if (findings.some((f) => f.status === 'pass')) {
      return { status: 'pass', explanation: { fr: `VPN toujours actif : ${findings.filter((f) => f.status === 'pass').map((f) => f.fr).join(' ; ')}.`, en: `Always-on VPN: ${findings.filter((f) => f.status === 'pass').map((f) => f.en).join('; ')}.` }, evidence: findings.filter((f) => f.status === 'pass').map((f) => f.pointer), threshold };
    }
    return findings;
  },
});
