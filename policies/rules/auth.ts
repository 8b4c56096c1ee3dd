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
import { Type, type Static } from 'typebox';
import { FactorType, isUnavailable, type MfaEvidence, type PamService, type SshdSettings } from '../evidence.js';
import { defineRule, formatDuration, listFindings, worstStatus, type Finding, type RuleOutcome } from './rule.js';
import { defineFindingsRule } from './findings-rule.js';
import { isMultiFactor } from './factors.js';
import { isReported, missingEvidence, missingFinding } from './evidence-gaps.js';
import { passOutcome } from './outcomes.js';
import { ageAt, DAY_MS } from './time.js';

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
  notApplicable(report) {
    const mfa = report.mfa;
    if (!isUnavailable(mfa.sshd) && !mfa.sshd.installed) {
      return { fr: "sshd n'est pas installé sur cet hôte.", en: 'sshd is not installed on this host.' };
    }
    return null;
  },
  check(report, parameters): RuleOutcome {
    const threshold =
      'every AuthenticationMethods list combines >= 2 factor classes (or FIDO verify-required); ' +
      'PermitRootLogin no; PermitEmptyPasswords no; AllowUsers/AllowGroups set; X11Forwarding no';
    const mfa = report.mfa;
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

// ---------------------------------------------------------------- PAM second factor (AUTH-02, AUTH-03)

/** `required`/`requisite`, or a bracket control whose every non-success outcome is bad/die. */
export function controlEnforces(control: string): boolean {
  const c = control.trim().toLowerCase();
  if (c === 'required' || c === 'requisite') return true;
  if (!c.startsWith('[') || !c.endsWith(']')) return false;
  const pairs = c.slice(1, -1).trim().split(/\s+/).map((kv) => kv.split('='));
  const map = new Map(pairs.map(([k, v]) => [k ?? '', v ?? '']));
  if (!['bad', 'die'].includes(map.get('default') ?? '')) return false;
  for (const [key, value] of map) {
    if (key === 'success' || key === 'new_authtok_reqd' || key === 'default') continue;
    if (!['bad', 'die'].includes(value)) return false;
  }
  return true;
}

/** A control that can end the auth stack with success before later modules run. */
function controlShortCircuits(control: string): boolean {
  const c = control.trim().toLowerCase();
  return c === 'sufficient' || /(^|[\s[])success=done([\s\]]|$)/.test(c);
}

const moduleName = (m: string) => m.toLowerCase().replace(/\.so$/, '');

/**
 * Judges one PAM stack: some `auth` line of a second-factor module is enforced (required /
 * requisite or bracket equivalent; not `-auth`, which silently skips a missing module), has no
 * bypass option, and no earlier `auth` line can grant access on its own (sufficient, success=done).
 */
export function judgePamStack(
  service: PamService,
  pointer: string,
  modules: readonly string[],
  bypass: readonly { module: string; option: string }[],
): Finding {
  if ('unavailable' in service) {
    return {
      status: 'unknown',
      pointer,
      fr: `pile PAM ${service.service} illisible (${service.unavailable})`,
      en: `PAM stack ${service.service} unreadable (${service.unavailable})`,
    };
  }
  const wanted = new Set(modules.map(moduleName));
  const auth = service.entries.map((e, i) => ({ e, i })).filter(({ e }) => e.type === 'auth');
  const candidates = auth.filter(({ e }) => wanted.has(moduleName(e.module)));
  if (candidates.length === 0) {
    return {
      status: 'fail',
      pointer,
      fr: `${service.service} : aucun module de second facteur (${modules.join(', ')})`,
      en: `${service.service}: no second-factor module (${modules.join(', ')})`,
    };
  }
  const problems: string[][] = [];
  for (const { e, i } of candidates) {
    const where = `${e.module} [${e.control}] (${e.source})`;
    if (e.if_present) {
      problems.push([`${where} : ligne "-auth", ignorée si le module manque`, `${where}: "-auth" line, skipped when the module is missing`]);
      continue;
    }
    if (!controlEnforces(e.control)) {
      problems.push([`${where} : contrôle non bloquant`, `${where}: control does not enforce it`]);
      continue;
    }
    const options = bypass
      .filter((b) => moduleName(b.module) === moduleName(e.module))
      .map((b) => b.option)
      .filter((o) => e.arguments.some((a) => a.toLowerCase() === o.toLowerCase()));
    if (options.length > 0) {
      problems.push([`${where} : option de contournement ${options.join(', ')}`, `${where}: bypass option ${options.join(', ')}`]);
      continue;
    }
    const earlier = auth.find(({ e: before, i: j }) => j < i && controlShortCircuits(before.control) && !wanted.has(moduleName(before.module)));
    if (earlier) {
      const b = `${earlier.e.module} [${earlier.e.control}] (${earlier.e.source})`;
      problems.push([`${where} : ${b} plus haut peut ouvrir la session sans second facteur`, `${where}: ${b} above it can grant access without the second factor`]);
      continue;
    }
    return {
      status: 'pass',
      pointer: `${pointer}/entries/${i}`,
      fr: `${service.service} : ${e.module} ${e.control} appliqué`,
      en: `${service.service}: ${e.module} ${e.control} enforced`,
    };
  }
  return {
    status: 'fail',
    pointer,
    fr: `${service.service} : second facteur non effectif (${problems.map((p) => p[0]).join(' ; ')})`,
    en: `${service.service}: second factor not enforced (${problems.map((p) => p[1]).join('; ')})`,
  };
}

const PamModuleList = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 32 });

// AUTH-02: for each PAM service in `services` present on the host, a second-factor module is
// enforced (see judgePamStack); a service absent from the host is not judged; and every admin-group
// member is enrolled. Windows has no PAM: not_applicable (AUTH-03/AUTH-04 judge Windows logon).
export const Auth02Parameters = Type.Object(
  {
    services: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 16 }),
    second_factor_modules: PamModuleList,
    bypass_options: Type.Array(
      Type.Object({ module: Type.String({ minLength: 1, maxLength: 64 }), option: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
      { maxItems: 32 },
    ),
  },
  { additionalProperties: false },
);

export const auth02 = defineFindingsRule({
  id: 'AUTH-02',
  section: 'mfa',
  parameters: Auth02Parameters,
  notApplicable(report) {
    return report.host.os.platform === 'windows'
      ? { fr: "PAM n'existe pas sous Windows (AUTH-03 et AUTH-04 jugent l'ouverture de session).", en: 'Windows has no PAM (AUTH-03 and AUTH-04 judge its logon).' }
      : null;
  },
  threshold: (p) =>
    `${p.second_factor_modules.join('/')} enforced (required/requisite) in ${p.services.join(', ')}, ` +
    'no bypass option, no earlier sufficient module; 100 % of the admin group enrolled',
  leads: {
    pass: ['Second facteur PAM appliqué', 'PAM second factor enforced'],
    unknown: ['Second facteur PAM non établi', 'PAM second factor not established'],
    fail: ['Second facteur PAM absent ou contournable', 'PAM second factor missing or bypassable'],
  },
  check(report, p, context, threshold) {
    const mfa = report.mfa;
    const pam = mfa.pam;
    if (!isReported(pam)) return missingEvidence(pam, '/mfa/pam', { fr: 'Piles PAM', en: 'PAM stacks' }, threshold);
    const findings: Finding[] = [];
    for (const name of p.services) {
      const index = pam.services.findIndex((s) => s.service === name);
      const service = pam.services[index];
      if (!service) {
        findings.push({ status: 'not_applicable', pointer: '/mfa/pam/services', fr: `${name} : absent de l'hôte`, en: `${name}: not on this host` });
        continue;
      }
      findings.push(judgePamStack(service, `/mfa/pam/services/${index}`, p.second_factor_modules, p.bypass_options));
    }
    if (findings.every((f) => f.status === 'not_applicable')) {
      return {
        status: 'unknown',
        explanation: {
          fr: `Aucune des piles PAM ${p.services.join(', ')} n'est rapportée : le second facteur ne peut pas être vérifié.`,
          en: `None of the PAM stacks ${p.services.join(', ')} is reported: the second factor cannot be checked.`,
        },
        evidence: ['/mfa/pam/services'],
        threshold,
      };
    }
    const enrolment = mfa.enrolment;
    const missing = missingFinding(enrolment, '/mfa/enrolment', { fr: 'enrôlement du groupe d\'administration', en: 'admin group enrolment' });
    if (missing) findings.push(missing);
    else if (isReported(enrolment)) {
      const notEnrolled = enrolment.members.filter((m) => m.enrolled === false).map((m) => m.user);
      const unknownUsers = enrolment.members.filter((m) => m.enrolled === null).map((m) => m.user);
      const pointer = '/mfa/enrolment/members';
      if (notEnrolled.length > 0) {
        findings.push({
          status: 'fail',
          pointer,
          fr: `membres de ${enrolment.group} non enrôlés : ${notEnrolled.join(', ')}`,
          en: `${enrolment.group} members not enrolled: ${notEnrolled.join(', ')}`,
        });
      } else if (unknownUsers.length > 0) {
        findings.push({
          status: 'unknown',
          pointer,
          fr: `enrôlement inconnu pour ${unknownUsers.join(', ')}`,
          en: `enrolment unknown for ${unknownUsers.join(', ')}`,
        });
      } else {
        findings.push({
          status: 'pass',
          pointer,
          fr: `${enrolment.members.length} membre(s) de ${enrolment.group} enrôlé(s)`,
          en: `${enrolment.members.length} ${enrolment.group} member(s) enrolled`,
        });
      }
    }
    return findings;
  },
});

// ---------------------------------------------------------------- AUTH-03

// AUTH-03: strong workstation logon.
// Windows: smart card enforced (scforceoption) passes for both roles. ADM: WHfB with TPM
// (NgcSet + PassportForWork Enabled + RequireSecurityDevice) passes only when the logon events
// show no password logon (events not read: unknown); otherwise fail. WS: WHfB (NgcSet + policy
// enabled), or FIDO2 / smart-card logons observed, passes; else password-only.
// Linux: every reported logon service (`linux_logon_services`) enforces a `strong_pam_modules`
// module (same judgement as AUTH-02); else password-only.
// Password-only: ADM fail; WS warn before `password_only_fail_from` (00:00 UTC), fail from then.
// WS is judged only where the site declares DPI access (`dpi_access`, default true).
export const Auth03Parameters = Type.Object(
  {
    password_only_fail_from: Type.String({ format: 'date', maxLength: 10 }),
    dpi_access: Type.Boolean(),
    linux_logon_services: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 16 }),
    strong_pam_modules: PamModuleList,
  },
  { additionalProperties: false },
);

type Strength = { status: 'strong' | 'password-only' | 'undetermined' | 'password-seen'; finding: Finding };

function windowsStrength(mfa: MfaEvidence, admin: boolean): Strength | RuleOutcome {
  const threshold = 'see AUTH-03';
  const policy = mfa.windows_logon_policy;
  if (!isReported(policy)) {
    return missingEvidence(policy, '/mfa/windows_logon_policy', { fr: "Politique d'ouverture de session Windows", en: 'Windows logon policy' }, threshold);
  }
  const pointer = '/mfa/windows_logon_policy';
  if (policy.scforceoption === true) {
    return { status: 'strong', finding: { status: 'pass', pointer: `${pointer}/scforceoption`, fr: 'carte à puce (CPS) exigée (scforceoption)', en: 'smart card (CPS) required (scforceoption)' } };
  }
  const dsreg = isReported(mfa.windows_logon) ? mfa.windows_logon : null;
  const ngc = dsreg?.ngc_set ?? null;
  const parts = admin ? [ngc, policy.passport_for_work_enabled, policy.require_security_device] : [ngc, policy.passport_for_work_enabled];
  const whfb = parts.every((v) => v === true);
  const whfbPossible = !parts.includes(false);
  const logons = policy.logons;
  const whfbText = admin ? 'Windows Hello Entreprise avec TPM' : 'Windows Hello Entreprise';
  const whfbTextEn = admin ? 'Windows Hello for Business with TPM' : 'Windows Hello for Business';
  if (admin) {
    if (whfb) {
      if (logons === null) {
        return { status: 'undetermined', finding: { status: 'unknown', pointer: `${pointer}/logons`, fr: `${whfbText} configuré, mais journal des ouvertures de session non lu : ouvertures par mot de passe non exclues`, en: `${whfbTextEn} configured, but logon events not read: password logons not ruled out` } };
      }
      if (logons.password > 0) {
        return { status: 'password-seen', finding: { status: 'fail', pointer: `${pointer}/logons/password`, fr: `${whfbText} configuré, mais ${logons.password} ouverture(s) par mot de passe depuis ${logons.since}`, en: `${whfbTextEn} configured, but ${logons.password} password logon(s) since ${logons.since}` } };
      }
      return { status: 'strong', finding: { status: 'pass', pointer, fr: `${whfbText}, aucune ouverture par mot de passe depuis ${logons.since}`, en: `${whfbTextEn}, no password logon since ${logons.since}` } };
    }
  } else {
    if (whfb) return { status: 'strong', finding: { status: 'pass', pointer, fr: whfbText, en: whfbTextEn } };
    if (logons !== null && (logons.fido2 > 0 || logons.smartcard > 0)) {
      return { status: 'strong', finding: { status: 'pass', pointer: `${pointer}/logons`, fr: `ouvertures par clé FIDO2 (${logons.fido2}) ou carte CPS (${logons.smartcard}) depuis ${logons.since}`, en: `FIDO2 (${logons.fido2}) or CPS card (${logons.smartcard}) logons since ${logons.since}` } };
    }
  }
  if (whfbPossible || policy.scforceoption === null) {
    return { status: 'undetermined', finding: { status: 'unknown', pointer, fr: `NgcSet, PassportForWork ou scforceoption non rapporté : ${whfbText} ou carte exigée non établis`, en: `NgcSet, PassportForWork or scforceoption not reported: ${whfbTextEn} or required card not established` } };
  }
  return { status: 'password-only', finding: { status: 'fail', pointer, fr: `ni carte exigée ni ${whfbText} : ouverture par mot de passe seul`, en: `neither a required card nor ${whfbTextEn}: password-only logon` } };
}

function linuxStrength(mfa: MfaEvidence, p: Static<typeof Auth03Parameters>): Strength | RuleOutcome {
  const pam = mfa.pam;
  if (!isReported(pam)) return missingEvidence(pam, '/mfa/pam', { fr: 'Piles PAM', en: 'PAM stacks' }, 'see AUTH-03');
  const judged = p.linux_logon_services
    .map((name) => ({ name, index: pam.services.findIndex((s) => s.service === name) }))
    .filter(({ index }) => index >= 0)
    .map(({ index }) => judgePamStack(pam.services[index] as PamService, `/mfa/pam/services/${index}`, p.strong_pam_modules, []));
  if (judged.length === 0) {
    return { status: 'undetermined', finding: { status: 'unknown', pointer: '/mfa/pam/services', fr: `aucune pile PAM d'ouverture de session rapportée (${p.linux_logon_services.join(', ')})`, en: `no logon PAM stack reported (${p.linux_logon_services.join(', ')})` } };
  }
  const worst = worstStatus(judged.map((f) => f.status));
  const listed = listFindings(judged);
  const pointer = judged.find((f) => f.status === worst)?.pointer ?? '/mfa/pam/services';
  if (worst === 'pass') return { status: 'strong', finding: { status: 'pass', pointer, ...listed } };
  if (worst === 'unknown') return { status: 'undetermined', finding: { status: 'unknown', pointer, ...listed } };
  return { status: 'password-only', finding: { status: 'fail', pointer, fr: `ouverture par mot de passe seul (${listed.fr})`, en: `password-only logon (${listed.en})` } };
}

export const auth03 = defineRule({
  id: 'AUTH-03',
  section: 'mfa',
  parameters: Auth03Parameters,
  notApplicable(report, rule) {
    if (report.host.role === 'workstation' && rule.parameters['dpi_access'] === false) {
      return {
        fr: "Le site déclare que ces postes n'accèdent pas au DPI (dpi_access = false).",
        en: 'The site declares these workstations have no DPI access (dpi_access = false).',
      };
    }
    return null;
  },
  check(report, p, context): RuleOutcome {
    const admin = report.host.role === 'admin-workstation';
    const cutoff = Date.parse(`${p.password_only_fail_from}T00:00:00Z`);
    const threshold = admin
      ? 'ADM: smart card required, or WHfB with TPM and no password logon = pass; password logon = fail'
      : `WS: WHfB, CPS/e-CPS or FIDO2 = pass; password-only = warn before ${p.password_only_fail_from} (00:00 UTC), fail from then`;
    const mfa = report.mfa;
    const platform = report.host.os.platform;
    if (platform !== 'windows' && platform !== 'linux') {
      return {
        status: 'unknown',
        explanation: {
          fr: `Force de l'ouverture de session non observable sur ${platform} par cet agent.`,
          en: `Logon strength is not observable on ${platform} by this agent.`,
        },
        evidence: ['/host/os/platform'],
        threshold,
      };
    }
    const strength = platform === 'windows' ? windowsStrength(mfa, admin) : linuxStrength(mfa, p);
    if ('explanation' in strength) return { ...strength, threshold };
    const f = strength.finding;
    if (strength.status === 'strong' || strength.status === 'undetermined' || strength.status === 'password-seen' || admin) {
      const lead = {
        strong: { fr: 'Ouverture de session forte', en: 'Strong logon' },
        undetermined: { fr: "Force de l'ouverture de session non établie", en: 'Logon strength not established' },
        'password-seen': { fr: 'Ouverture par mot de passe sur un poste d\'administration', en: 'Password logon on an admin workstation' },
        'password-only': { fr: 'Ouverture par mot de passe sur un poste d\'administration', en: 'Password logon on an admin workstation' },
      }[strength.status];
      return { status: f.status, explanation: { fr: `${lead.fr} : ${f.fr}.`, en: `${lead.en}: ${f.en}.` }, evidence: [f.pointer], threshold };
    }
    const failing = context.now.getTime() >= cutoff;
    return {
      status: failing ? 'fail' : 'warn',
      explanation: failing
        ? {
            fr: `Ouverture de session par mot de passe seul, refusée depuis le ${p.password_only_fail_from} : ${f.fr}.`,
            en: `Password-only logon, not accepted since ${p.password_only_fail_from}: ${f.en}.`,
          }
        : {
            fr: `Ouverture de session par mot de passe seul, tolérée jusqu'au ${p.password_only_fail_from} : ${f.fr}.`,
            en: `Password-only logon, tolerated until ${p.password_only_fail_from}: ${f.en}.`,
          },
      evidence: [f.pointer],
      threshold,
    };
  },
});

// ---------------------------------------------------------------- AUTH-04

// AUTH-04: every remote entry point (exposure other than admin-network) requires >= 2 factors
// (isMultiFactor). Single-factor = fail; factors not reported = unknown. No parameter.
export const Auth04Parameters = Type.Object({}, { additionalProperties: false });

export const auth04 = defineFindingsRule({
  id: 'AUTH-04',
  section: 'mfa',
  parameters: Auth04Parameters,
  threshold: () => 'every remote entry point (VPN, RDP gateway, exposed SSH, vendor portal...) requires >= 2 factors',
  leads: {
    pass: ['Accès distants protégés par deux facteurs', 'Remote access requires two factors'],
    unknown: ["Facteurs d'un accès distant non établis", 'Factors of a remote entry point not established'],
    fail: ['Accès distant à un seul facteur', 'Single-factor remote access path'],
  },
  check(report, parameters, context, threshold) {
    const entries = report.mfa.remote_access;
    if (!isReported(entries)) return missingEvidence(entries, '/mfa/remote_access', { fr: "Points d'accès distants", en: 'Remote entry points' }, threshold);
    const findings: Finding[] = entries.map((e, i) => {
      const pointer = `/mfa/remote_access/${i}`;
      const name = `${e.kind} ${e.name} (${e.exposure})`;
      if (e.exposure === 'admin-network') {
        return { status: 'not_applicable', pointer, fr: `${name} : réseau d'administration, hors périmètre`, en: `${name}: admin network, out of scope` };
      }
      if (e.factors.length === 0) return { status: 'unknown', pointer, fr: `${name} : facteurs non rapportés`, en: `${name}: factors not reported` };
      return isMultiFactor(e.factors)
        ? { status: 'pass', pointer, fr: `${name} : ${e.factors.join(' + ')}`, en: `${name}: ${e.factors.join(' + ')}` }
        : { status: 'fail', pointer, fr: `${name} : un seul facteur (${e.factors.join(' + ')})`, en: `${name}: single factor (${e.factors.join(' + ')})` };
    });
    if (findings.every((f) => f.status === 'not_applicable')) {
      return passOutcome({ fr: `Aucun point d'accès distant hors réseau d'administration rapporté (${entries.length} sur le réseau d'administration).`, en: `No remote entry point outside the admin network reported (${entries.length} on the admin network).` }, ['/mfa/remote_access'], threshold);
    }
    return findings;
  },
});

// AUTH-05: second factors of each population (mfa.second_factors, plus the factors of remote entry
// points as population remote-access) are in `allowed_factors`. SMS/voice: fail for admins,
// third parties and remote access, warn for other users. Another type outside the allowed list
// (push, email, other): warn. First factors (`first_factors`) are not judged here.
export const FactorList = Type.Array(FactorType, { maxItems: 32, uniqueItems: true });
export const Auth05Parameters = Type.Object(
  { allowed_factors: FactorList, first_factors: FactorList },
  { additionalProperties: false },
);

export const auth05 = defineFindingsRule({
  id: 'AUTH-05',
  section: 'mfa',
  parameters: Auth05Parameters,
  threshold: (p) =>
    `second factors in {${p.allowed_factors.join(', ')}}; SMS/voice = fail for admins, third parties and remote access, ` +
    'warn for other users; other types = warn',
  leads: {
    pass: ['Seconds facteurs robustes', 'Second factors are strong'],
    warn: ['Second facteur faible ou hors liste', 'Weak or unlisted second factor'],
    unknown: ['Seconds facteurs non établis', 'Second factors not established'],
    fail: ['SMS ou appel vocal comme second facteur', 'SMS or voice as a second factor'],
  },
  check(report, p, context, threshold) {
    const mfa = report.mfa;
    const policies = mfa.second_factors;
    const entries = mfa.remote_access;
    if (!isReported(policies) && !isReported(entries)) {
      return missingEvidence(policies, '/mfa/second_factors', { fr: 'Types de second facteur', en: 'Second-factor types' }, threshold);
    }
    const items: { population: string; context: string; factors: readonly FactorType[]; pointer: string }[] = [];
    const findings: Finding[] = [];
    const missingPolicies = missingFinding(policies, '/mfa/second_factors', { fr: 'types de second facteur par population', en: 'second-factor types per population' });
    if (missingPolicies) findings.push(missingPolicies);
    if (isReported(policies)) {
      policies.forEach((s, i) => items.push({ population: s.population, context: s.context, factors: s.factors, pointer: `/mfa/second_factors/${i}` }));
    }
    if (isReported(entries)) {
      entries.forEach((e, i) => {
        if (e.exposure !== 'admin-network') {
          items.push({ population: 'remote-access', context: `${e.kind} ${e.name}`, factors: e.factors, pointer: `/mfa/remote_access/${i}` });
        }
      });
    }
    for (const item of items) {
      const seconds = item.factors.filter((f) => !p.first_factors.includes(f));
      const where = `${item.population} / ${item.context}`;
      const phone = seconds.filter((f) => f === 'sms' || f === 'voice');
      const other = seconds.filter((f) => f !== 'sms' && f !== 'voice' && !p.allowed_factors.includes(f));
      if (phone.length > 0) {
        const status = item.population === 'users' ? 'warn' : 'fail';
        findings.push({ status, pointer: item.pointer, fr: `${where} : ${phone.join(', ')} (OTP par téléphone)`, en: `${where}: ${phone.join(', ')} (phone OTP)` });
      } else if (other.length > 0) {
        findings.push({ status: 'warn', pointer: item.pointer, fr: `${where} : ${other.join(', ')} hors liste`, en: `${where}: ${other.join(', ')} not in the list` });
      } else {
        findings.push({ status: 'pass', pointer: item.pointer, fr: `${where} : ${seconds.join(', ') || 'aucun'}`, en: `${where}: ${seconds.join(', ') || 'none'}` });
      }
    }
    if (findings.length === 0) {
      return passOutcome({ fr: 'Aucun second facteur configuré rapporté : rien à juger ici (voir AUTH-02, AUTH-04).', en: 'No configured second factor reported: nothing to judge here (see AUTH-02, AUTH-04).' }, ['/mfa/second_factors', '/mfa/remote_access'], threshold);
    }
    return findings;
  },
});

// ---------------------------------------------------------------- AUTH-06

// AUTH-06: named, separate admin accounts.
// - Admin group members (other than the built-in admin) are in `admin_allowlist` (case-insensitive);
//   an empty allowlist = warn (membership not checkable until the site declares it).
// - Built-in Administrator/root disabled or LAPS-managed.
// - Workstations: the daily user is not an admin.
// - Generic accounts (built-in admin + members named in `generic_accounts`): no interactive logon
//   in the last `generic_logon_window_days` (a logon exactly that old is inside the window: fail).
//   No recorded logon passes only when the logon history covers the whole window.
export const Auth06Parameters = Type.Object(
  {
    admin_allowlist: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 256 }),
    generic_accounts: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 64 }),
    generic_logon_window_days: Type.Number({ exclusiveMinimum: 0, maximum: 366 }),
  },
  { additionalProperties: false },
);

const lower = (s: string) => s.toLowerCase();

export const auth06 = defineFindingsRule({
  id: 'AUTH-06',
  section: 'mfa',
  parameters: Auth06Parameters,
  threshold: (p) =>
    'admin members in the allowlist; built-in admin disabled or LAPS-managed; daily user not admin (WS); ' +
    `no interactive logon by a generic account within ${p.generic_logon_window_days} d`,
  leads: {
    pass: ["Comptes d'administration nominatifs et séparés", 'Admin accounts are named and separate'],
    warn: ["Comptes d'administration à vérifier", 'Admin accounts to be checked'],
    unknown: ["Comptes d'administration non établis", 'Admin accounts not established'],
    fail: ["Comptes d'administration génériques ou partagés", 'Generic or shared admin accounts'],
  },
  check(report, p, context, threshold) {
    const admins = report.mfa.local_admins;
    if (!isReported(admins)) return missingEvidence(admins, '/mfa/local_admins', { fr: 'Administrateurs locaux', en: 'Local administrators' }, threshold);
    const findings: Finding[] = [];
    const builtin = admins.builtin_admin;
    const others = admins.members
      .map((m, i) => ({ m, i }))
      .filter(({ m }) => lower(m.name) !== lower(builtin.name));
    const allow = new Set(p.admin_allowlist.map(lower));
    if (p.admin_allowlist.length === 0) {
      findings.push({
        status: 'warn',
        pointer: '/mfa/local_admins/members',
        fr: `liste des comptes d'administration nominatifs non déclarée (admin_allowlist) ; membres : ${others.map(({ m }) => m.name).join(', ') || 'aucun'}`,
        en: `nominative admin allowlist not declared (admin_allowlist); members: ${others.map(({ m }) => m.name).join(', ') || 'none'}`,
      });
    } else {
      const outside = others.filter(({ m }) => !allow.has(lower(m.name)));
      if (outside.length === 0) {
        findings.push({ status: 'pass', pointer: '/mfa/local_admins/members', fr: `${others.length} membre(s) dans la liste`, en: `${others.length} member(s) allowlisted` });
      }
      for (const { m, i } of outside) {
        findings.push({ status: 'fail', pointer: `/mfa/local_admins/members/${i}`, fr: `${m.name} hors liste des administrateurs nominatifs`, en: `${m.name} not in the nominative admin allowlist` });
      }
    }
    const b = '/mfa/local_admins/builtin_admin';
    if (builtin.enabled === false) findings.push({ status: 'pass', pointer: b, fr: `${builtin.name} désactivé`, en: `${builtin.name} disabled` });
    else if (builtin.laps_managed === true) findings.push({ status: 'pass', pointer: b, fr: `${builtin.name} géré par LAPS`, en: `${builtin.name} LAPS-managed` });
    else if (builtin.enabled === null || builtin.laps_managed === null) {
      findings.push({ status: 'unknown', pointer: b, fr: `état de ${builtin.name} (activé, LAPS) inconnu`, en: `${builtin.name} state (enabled, LAPS) unknown` });
    } else findings.push({ status: 'fail', pointer: b, fr: `${builtin.name} actif et non géré par LAPS`, en: `${builtin.name} enabled and not LAPS-managed` });
    if (report.host.role === 'workstation') {
      const d = '/mfa/local_admins/daily_user_is_admin';
      if (admins.daily_user_is_admin === null) findings.push({ status: 'unknown', pointer: d, fr: "droits de l'utilisateur courant inconnus", en: 'daily user rights unknown' });
      else if (admins.daily_user_is_admin) findings.push({ status: 'fail', pointer: d, fr: "l'utilisateur courant est administrateur", en: 'the daily user is an administrator' });
      else findings.push({ status: 'pass', pointer: d, fr: "l'utilisateur courant n'est pas administrateur", en: 'the daily user is not an administrator' });
    }
    const windowMs = p.generic_logon_window_days * DAY_MS;
    const generic = new Set(p.generic_accounts.map(lower));
    const historySince = admins.logon_history_since;
    const historyAge = historySince === null ? null : ageAt(historySince, context.now);
    const covered = historyAge !== null && historyAge >= windowMs;
    const accounts = [
      { name: builtin.name, at: builtin.last_interactive_logon_at, pointer: b },
      ...others.filter(({ m }) => m.kind === 'user' && generic.has(lower(m.name))).map(({ m, i }) => ({ name: m.name, at: m.last_interactive_logon_at, pointer: `/mfa/local_admins/members/${i}` })),
    ];
    for (const a of accounts) {
      if (a.at === null) {
        findings.push(
          covered
            ? { status: 'pass', pointer: a.pointer, fr: `${a.name} : aucune ouverture de session depuis ${historySince}`, en: `${a.name}: no logon since ${historySince}` }
            : { status: 'unknown', pointer: '/mfa/local_admins/logon_history_since', fr: `${a.name} : historique des ouvertures de session plus court que ${p.generic_logon_window_days} j`, en: `${a.name}: logon history shorter than ${p.generic_logon_window_days} d` },
        );
        continue;
      }
      const age = ageAt(a.at, context.now);
      if (age === null) findings.push({ status: 'unknown', pointer: a.pointer, fr: `${a.name} : date incohérente (${a.at})`, en: `${a.name}: implausible time (${a.at})` });
      else if (age <= windowMs) {
        const d = formatDuration(age);
        findings.push({ status: 'fail', pointer: a.pointer, fr: `compte générique ${a.name} utilisé il y a ${d.fr}`, en: `generic account ${a.name} used ${d.en} ago` });
      } else findings.push({ status: 'pass', pointer: a.pointer, fr: `${a.name} : dernière ouverture ${a.at}`, en: `${a.name}: last logon ${a.at}` });
    }
    return findings;
  },
});
