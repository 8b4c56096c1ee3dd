// AUTH-01: sshd requires two factors (from the effective `sshd -T` configuration).
//
// Items, worst wins (fail > unknown > warn > pass):
// - AuthenticationMethods: every list must combine >= 2 factor classes: publickey =
//   possession, password / keyboard-interactive / gssapi-with-mic knowledge. `any` means "each
//   enabled method alone": publickey, plus password and keyboard-interactive when enabled.
//   Single-factor lists pass only when every one is publickey-only and PubkeyAuthOptions has
//   `verify-required` and `accept_fido_verify_required` is true: we then assume FIDO sk-* keys
//   with user verification (possession + PIN/biometric), and the explanation says so.
// - PermitRootLogin: no = ok; prohibit-password / without-password / forced-commands-only = the
//   configured status (warn by default: the catalogue allows it only if root is disabled, which
//   the evidence cannot show); yes = fail.
// - PermitEmptyPasswords no; AllowUsers or AllowGroups set; X11Forwarding no.
// A setting sshd did not report (null) is unknown. sshd not installed = not_applicable.
import { Type } from 'typebox';
import { isUnavailable, type Report, type SshdSettings } from '../evidence.js';
import { defineRule, listFindings, worstStatus, type Finding, type RuleOutcome } from './rule.js';

export const Auth01Parameters = Type.Object(
  {
    accept_fido_verify_required: Type.Boolean(),
    permit_root_login_prohibit_password: Type.Union([Type.Literal('warn'), Type.Literal('fail')]),
  },
  { additionalProperties: false },
);

type FactorClass = 'possession' | 'knowledge';

/** Factor class of an sshd method name (submethods such as ":pam" do not change it). */
export function factorClass(method: string): FactorClass | null {
  const name = method.split(':')[0] ?? '';
  if (name === 'publickey') return 'possession';
  if (name === 'password' || name === 'keyboard-interactive' || name === 'gssapi-with-mic') return 'knowledge';
  // hostbased authenticates the client host, not the user; "none" and unknown names give nothing.
  return null;
}

const isYes = (v: string | null) => v !== null && v.toLowerCase() === 'yes';

/** The method lists sshd accepts, `any` expanded into the enabled single methods. */
export function methodLists(settings: SshdSettings): string[][] | null {
  const raw = settings.authenticationmethods;
  if (raw === null) return null;
  if (raw.trim().toLowerCase() === 'any') {
    const lists = [['publickey']];
    if (isYes(settings.passwordauthentication)) lists.push(['password']);
    if (isYes(settings.kbdinteractiveauthentication)) lists.push(['keyboard-interactive']);
    return lists;
  }
  return raw
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .map((list) => list.split(',').filter((m) => m.length > 0));
}

function methodsFinding(settings: SshdSettings, acceptFido: boolean): Finding {
  const pointer = '/mfa/sshd/settings/authenticationmethods';
  const lists = methodLists(settings);
  if (lists === null) {
    return { status: 'unknown', pointer, fr: 'AuthenticationMethods non rapporté', en: 'AuthenticationMethods not reported' };
  }
  const shown = settings.authenticationmethods ?? '';
  const weak = lists.filter((list) => new Set(list.map(factorClass).filter((c) => c !== null)).size < 2);
  if (weak.length === 0) {
    return {
      status: 'pass',
      pointer,
      fr: `AuthenticationMethods "${shown}" : chaque liste combine deux facteurs`,
      en: `AuthenticationMethods "${shown}": every list combines two factors`,
    };
  }
  const verifyRequired = (settings.pubkeyauthoptions ?? '').toLowerCase().split(/[\s,]+/).includes('verify-required');
  const publickeyOnly = weak.every((list) => list.every((m) => m.split(':')[0] === 'publickey'));
  if (acceptFido && verifyRequired && publickeyOnly) {
    return {
      status: 'pass',
      pointer,
      fr: `AuthenticationMethods "${shown}" avec PubkeyAuthOptions verify-required : accepté en supposant des clés FIDO sk-* avec vérification de l'utilisateur (possession + code/biométrie)`,
      en: `AuthenticationMethods "${shown}" with PubkeyAuthOptions verify-required: accepted on the assumption of FIDO sk-* keys with user verification (possession + PIN/biometric)`,
    };
  }
  const weakText = weak.map((l) => l.join(',')).join(' ');
  return {
    status: 'fail',
    pointer,
    fr: `AuthenticationMethods "${shown}" : un seul facteur suffit (${weakText})`,
    en: `AuthenticationMethods "${shown}": a single factor is enough (${weakText})`,
  };
}

function exactFinding(
  key: 'permitemptypasswords' | 'x11forwarding',
  label: string,
  value: string | null,
): Finding {
  const pointer = `/mfa/sshd/settings/${key}`;
  if (value === null) return { status: 'unknown', pointer, fr: `${label} non rapporté`, en: `${label} not reported` };
  if (value.toLowerCase() === 'no') return { status: 'pass', pointer, fr: `${label} no`, en: `${label} no` };
  return {
    status: 'fail',
    pointer,
    fr: `${label} vaut "${value}" (attendu : no)`,
    en: `${label} is "${value}" (expected: no)`,
  };
}

function rootFinding(value: string | null, prohibitPasswordStatus: 'warn' | 'fail'): Finding {
  const pointer = '/mfa/sshd/settings/permitrootlogin';
  if (value === null) return { status: 'unknown', pointer, fr: 'PermitRootLogin non rapporté', en: 'PermitRootLogin not reported' };
  const v = value.toLowerCase();
  if (v === 'no') return { status: 'pass', pointer, fr: 'PermitRootLogin no', en: 'PermitRootLogin no' };
  if (v === 'prohibit-password' || v === 'without-password' || v === 'forced-commands-only') {
    return {
      status: prohibitPasswordStatus,
      pointer,
      fr: `PermitRootLogin ${value} : root peut se connecter par clé (attendu : no)`,
      en: `PermitRootLogin ${value}: root may log in with a key (expected: no)`,
    };
  }
  return {
    status: 'fail',
    pointer,
    fr: `PermitRootLogin ${value} : connexion directe de root autorisée (attendu : no)`,
    en: `PermitRootLogin ${value}: direct root login allowed (expected: no)`,
  };
}

function allowListFinding(settings: SshdSettings): Finding {
  if (settings.allowusers.length > 0 || settings.allowgroups.length > 0) {
    return { status: 'pass', pointer: '/mfa/sshd/settings/allowusers', fr: 'AllowUsers/AllowGroups défini', en: 'AllowUsers/AllowGroups set' };
  }
  return {
    status: 'fail',
    pointer: '/mfa/sshd/settings/allowusers',
    fr: "Ni AllowUsers ni AllowGroups : tout compte du système peut tenter de se connecter",
    en: 'Neither AllowUsers nor AllowGroups is set: any system account may try to log in',
  };
}

export const auth01 = defineRule({
  id: 'AUTH-01',
  section: 'mfa',
  parameters: Auth01Parameters,
  notApplicable(report: Report) {
    const mfa = report.mfa;
    if (!isUnavailable(mfa) && !isUnavailable(mfa.sshd) && !mfa.sshd.installed) {
      return { fr: "sshd n'est pas installé sur cet hôte.", en: 'sshd is not installed on this host.' };
    }
    return null;
  },
  check(report: Report, parameters): RuleOutcome {
    const threshold =
      'every AuthenticationMethods list combines >= 2 factor classes (or FIDO verify-required); ' +
      'PermitRootLogin no; PermitEmptyPasswords no; AllowUsers/AllowGroups set; X11Forwarding no';
    const mfa = report.mfa;
    if (isUnavailable(mfa)) throw new Error('AUTH-01 reached with an unavailable mfa section');
    const sshd = mfa.sshd;
    if (isUnavailable(sshd)) {
      return {
        status: 'unknown',
        explanation: {
          fr: `La configuration de sshd n'a pas pu être lue : ${sshd.unavailable}`,
          en: `The sshd configuration could not be read: ${sshd.unavailable}`,
        },
        evidence: ['/mfa/sshd'],
        threshold,
      };
    }
    if (sshd.settings === null) {
      return {
        status: 'unknown',
        explanation: {
          fr: "sshd est installé mais sa configuration effective n'a pas été rapportée.",
          en: 'sshd is installed but its effective configuration was not reported.',
        },
        evidence: ['/mfa/sshd/settings'],
        threshold,
      };
    }
    const s = sshd.settings;
    const findings: Finding[] = [
      methodsFinding(s, parameters.accept_fido_verify_required),
      rootFinding(s.permitrootlogin, parameters.permit_root_login_prohibit_password),
      exactFinding('permitemptypasswords', 'PermitEmptyPasswords', s.permitemptypasswords),
      allowListFinding(s),
      exactFinding('x11forwarding', 'X11Forwarding', s.x11forwarding),
    ];
    const status = worstStatus(findings.map((f) => f.status));
    const problems = findings.filter((f) => f.status !== 'pass');
    if (problems.length === 0) {
      const listed = listFindings(findings);
      return {
        status,
        explanation: { fr: `sshd exige deux facteurs : ${listed.fr}.`, en: `sshd requires two factors: ${listed.en}.` },
        evidence: findings.map((f) => f.pointer),
        threshold,
      };
    }
    const listed = listFindings(problems);
    return {
      status,
      explanation: {
        fr: `${problems.length} point(s) de la configuration sshd à corriger : ${listed.fr}.`,
        en: `${problems.length} sshd setting(s) to fix: ${listed.en}.`,
      },
      evidence: problems.map((f) => f.pointer),
      threshold,
    };
  },
});
