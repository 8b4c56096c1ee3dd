// AUTH-07 (account lockout) and AUTH-08 (residual password policy).
import { Type } from 'typebox';
import { isReported, missingEvidence } from './evidence-gaps.js';
import type { Finding } from './rule.js';
import { defineFindingsRule } from './findings-rule.js';

const strict = { additionalProperties: false } as const;

// AUTH-07: lockout threshold set (> 0) and <= max_threshold (inclusive; PGSSI-S default 3,
// configurable up to 10), lockout duration >= min_duration_minutes (inclusive) or until an
// administrator unlocks (null duration with a threshold).
export const Auth07Parameters = Type.Object(
  {
    max_threshold: Type.Integer({ minimum: 1, maximum: 10 }),
    min_duration_minutes: Type.Number({ minimum: 0, maximum: 100_000 }),
  },
  strict,
);

export const auth07 = defineFindingsRule({
  id: 'AUTH-07',
  section: 'mfa',
  parameters: Auth07Parameters,
  threshold: (p) => `lockout after 1..${p.max_threshold} failures, for >= ${p.min_duration_minutes} min (or until unlocked); 0 = never locks = fail`,
  leads: {
    pass: ['Verrouillage après échecs configuré', 'Account lockout configured'],
    fail: ['Verrouillage absent ou trop permissif', 'Lockout missing or too lenient'],
  },
  check(report, p, context, threshold) {
    const lockout = report.mfa.lockout;
    if (!isReported(lockout)) return missingEvidence(lockout, '/mfa/lockout', { fr: 'Politique de verrouillage', en: 'Lockout policy' }, threshold);
    const findings: Finding[] = [];
    const pointer = '/mfa/lockout';
    if (lockout.threshold === 0) findings.push({ status: 'fail', pointer: `${pointer}/threshold`, fr: `aucun verrouillage (${lockout.source})`, en: `accounts never lock (${lockout.source})` });
    else if (lockout.threshold > p.max_threshold) findings.push({ status: 'fail', pointer: `${pointer}/threshold`, fr: `verrouillage après ${lockout.threshold} échecs (> ${p.max_threshold})`, en: `lockout after ${lockout.threshold} failures (> ${p.max_threshold})` });
    else findings.push({ status: 'pass', pointer: `${pointer}/threshold`, fr: `verrouillage après ${lockout.threshold} échecs`, en: `lockout after ${lockout.threshold} failures` });
    if (lockout.threshold > 0) {
      if (lockout.duration_minutes === null) findings.push({ status: 'pass', pointer: `${pointer}/duration_minutes`, fr: "verrouillé jusqu'au déblocage par un administrateur", en: 'locked until an administrator unlocks' });
      else if (lockout.duration_minutes < p.min_duration_minutes) findings.push({ status: 'fail', pointer: `${pointer}/duration_minutes`, fr: `durée ${lockout.duration_minutes} min < ${p.min_duration_minutes} min`, en: `duration ${lockout.duration_minutes} min < ${p.min_duration_minutes} min` });
      else findings.push({ status: 'pass', pointer: `${pointer}/duration_minutes`, fr: `durée ${lockout.duration_minutes} min`, en: `duration ${lockout.duration_minutes} min` });
    }
    return findings;
  },
});

// AUTH-08: min length >= min_length_users, and >= min_length_privileged when the policy applies
// to privileged accounts (one local policy does: judged against the privileged floor when a
// privileged account has a usable password); max length none or >= min_max_length; no forced
// expiry for standard accounts; privileged expiry set and <= max_privileged_age_days.
export const Auth08Parameters = Type.Object(
  {
    min_length_users: Type.Integer({ minimum: 1, maximum: 256 }),
    min_length_privileged: Type.Integer({ minimum: 1, maximum: 256 }),
    min_max_length: Type.Integer({ minimum: 1, maximum: 1024 }),
    max_privileged_age_days: Type.Integer({ minimum: 1, maximum: 36_600 }),
  },
  strict,
);

export const auth08 = defineFindingsRule({
  id: 'AUTH-08',
  section: 'mfa',
  parameters: Auth08Parameters,
  extraParameterErrors: (p) => (p.min_length_users <= p.min_length_privileged ? [] : ['min_length_users must not exceed min_length_privileged']),
  threshold: (p) =>
    `min length >= ${p.min_length_users} (privileged >= ${p.min_length_privileged}); max length none or >= ${p.min_max_length}; ` +
    `no forced expiry for standard accounts; privileged expiry <= ${p.max_privileged_age_days} d`,
  leads: {
    pass: ['Politique de mot de passe conforme', 'Password policy compliant'],
    fail: ['Politique de mot de passe non conforme', 'Password policy not compliant'],
  },
  check(report, p, context, threshold) {
    const policy = report.mfa.password_policy;
    if (!isReported(policy)) return missingEvidence(policy, '/mfa/password_policy', { fr: 'Politique de mot de passe', en: 'Password policy' }, threshold);
    const findings: Finding[] = [];
    const privileged = policy.accounts.filter((a) => a.privileged);
    const floor = privileged.length > 0 ? p.min_length_privileged : p.min_length_users;
    const mp = '/mfa/password_policy/min_length';
    if (policy.min_length === null) findings.push({ status: 'fail', pointer: mp, fr: 'aucune longueur minimale', en: 'no minimum length' });
    else if (policy.min_length < floor) findings.push({ status: 'fail', pointer: mp, fr: `longueur minimale ${policy.min_length} < ${floor}${privileged.length > 0 ? ' (comptes à privilèges)' : ''}`, en: `minimum length ${policy.min_length} < ${floor}${privileged.length > 0 ? ' (privileged accounts)' : ''}` });
    else findings.push({ status: 'pass', pointer: mp, fr: `longueur minimale ${policy.min_length}`, en: `minimum length ${policy.min_length}` });
    if (policy.max_length !== null && policy.max_length < p.min_max_length) {
      findings.push({ status: 'fail', pointer: '/mfa/password_policy/max_length', fr: `longueur maximale ${policy.max_length} < ${p.min_max_length}`, en: `maximum length ${policy.max_length} < ${p.min_max_length}` });
    }
    policy.accounts.forEach((a, i) => {
      const pointer = `/mfa/password_policy/accounts/${i}`;
      if (!a.privileged && a.max_age_days !== null) findings.push({ status: 'fail', pointer, fr: `${a.name} : expiration forcée tous les ${a.max_age_days} j (compte standard)`, en: `${a.name}: forced expiry every ${a.max_age_days} d (standard account)` });
      if (a.privileged && (a.max_age_days === null || a.max_age_days > p.max_privileged_age_days)) {
        findings.push({ status: 'fail', pointer, fr: `${a.name} (privilèges) : ${a.max_age_days === null ? 'jamais renouvelé' : `renouvelé tous les ${a.max_age_days} j`} (> ${p.max_privileged_age_days} j)`, en: `${a.name} (privileged): ${a.max_age_days === null ? 'never renewed' : `renewed every ${a.max_age_days} d`} (> ${p.max_privileged_age_days} d)` });
      }
    });
    return findings;
  },
});
