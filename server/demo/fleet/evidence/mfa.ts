// Authentication evidence profiles: Windows logon (WHfB, CPS card, password), local admins and
// lockout; Linux sshd, PAM stacks, enrolment and local admins.
import { type LocalAdmins, type MfaEvidence, type PamEntry, type PamEvidence, type RemoteEntryPoint, type SshdEvidence, type SshdSettings } from '../../../../policies/evidence.js';
import { DAY, HOUR, ago } from '../clock.js';
import { GHT } from '../sites.js';

export type LogonKind = 'whfb' | 'cps' | 'password';

export function windowsLogon(now: Date, kind: LogonKind, admin: boolean): Pick<MfaEvidence, 'windows_logon' | 'windows_logon_policy'> {
  const whfb = kind === 'whfb';
  return {
    windows_logon: { azure_ad_joined: false, domain_joined: true, domain_name: GHT.netbios, ngc_set: whfb, whfb_policy_enabled: whfb },
    windows_logon_policy: {
      passport_for_work_enabled: whfb,
      require_security_device: whfb,
      scforceoption: kind === 'cps',
      logons: {
        since: ago(now, 30 * DAY),
        password: kind === 'password' ? 212 : 0,
        whfb: whfb ? (admin ? 41 : 187) : 0,
        smartcard: kind === 'cps' ? 158 : 0,
        fido2: 0,
      },
    },
  };
}

/**
 * What the Windows agent reads for AUTH-04/05/08 (windows-evidence.ts): its remote entry points,
 * the second factors the logon policy enforces, and the local password policy (`net accounts`,
 * GPO: 15 characters, renewed yearly, the LAPS-managed built-in account the only enabled local one).
 */
export function windowsAccess(kind: LogonKind, remote: RemoteEntryPoint[]): Pick<MfaEvidence, 'remote_access' | 'second_factors' | 'password_policy'> {
  return {
    remote_access: remote,
    second_factors:
      kind === 'cps'
        ? [{ population: 'users', context: 'Windows logon: smart card required (scforceoption)', factors: ['smartcard'] }]
        : kind === 'whfb'
          ? [{ population: 'users', context: 'Windows Hello for Business (PassportForWork policy, TPM required)', factors: ['whfb'] }]
          : [],
    password_policy: {
      source: 'net accounts (local SAM policy, French; domain accounts follow the domain policy); Get-LocalUser',
      min_length: 15,
      max_length: null,
      max_age_days: 365,
      history: 24,
      accounts: [{ name: 'Administrateur', privileged: true, max_age_days: 365 }],
    },
  };
}

export const windowsLockout = (): MfaEvidence['lockout'] => ({ threshold: 3, duration_minutes: 15, observation_window_minutes: 15, source: 'net accounts' });

export function windowsLocalAdmins(now: Date, dailyUserIsAdmin: boolean): LocalAdmins {
  return {
    members: [
      { name: 'Administrateur', kind: 'user', last_interactive_logon_at: null },
      { name: `${GHT.netbios}\\GG-Admins-Postes`, kind: 'group', last_interactive_logon_at: null },
      ...(dailyUserIsAdmin ? [{ name: `${GHT.netbios}\\labo-poste`, kind: 'user' as const, last_interactive_logon_at: ago(now, 3 * HOUR) }] : []),
    ],
    builtin_admin: { name: 'Administrateur', enabled: true, laps_managed: true, last_interactive_logon_at: null },
    daily_user_is_admin: dailyUserIsAdmin,
    logon_history_since: ago(now, 90 * DAY),
  };
}

export const hardenedSshd = (adminAddress: string): SshdSettings => ({
  authenticationmethods: 'publickey,keyboard-interactive:pam',
  passwordauthentication: 'no',
  kbdinteractiveauthentication: 'yes',
  usepam: 'yes',
  permitrootlogin: 'no',
  permitemptypasswords: 'no',
  pubkeyauthoptions: 'none',
  allowusers: [],
  allowgroups: ['adm-ssh'],
  x11forwarding: 'no',
  allowtcpforwarding: 'no',
  listenaddress: [`${adminAddress}:22`],
  pubkeyacceptedalgorithms: 'sk-ssh-ed25519@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256',
});

/** A vendor-installed box nobody hardened: keys alone, on every interface. */
export const singleFactorSshd = (adminAddress: string): SshdSettings => ({
  ...hardenedSshd(adminAddress),
  authenticationmethods: 'publickey',
  kbdinteractiveauthentication: 'no',
  listenaddress: ['0.0.0.0:22'],
});

const ADMINS = ['adm-dsi-01', 'adm-dsi-02', 'adm-biomed-01'];

function sshdEvidence(settings: SshdSettings): SshdEvidence {
  return {
    installed: true,
    settings,
    per_user: ADMINS.map((user) => ({ user, settings })),
    authorized_keys: ADMINS.map((user, i) => ({
      user,
      keys: [i === 0 ? { type: 'sk-ssh-ed25519@openssh.com', verify_required: true, no_touch_required: false } : { type: 'ssh-ed25519', verify_required: false, no_touch_required: false }],
    })),
  };
}

const pam = (type: PamEntry['type'], control: string, module: string, args: string[], source: string, via: PamEntry['via'] = 'direct', ifPresent = false): PamEntry => ({
  type,
  control,
  module,
  arguments: args,
  if_present: ifPresent,
  source,
  via,
});

/** Debian common-auth after the include is resolved. */
const commonAuth = (): PamEntry[] => [
  pam('auth', '[success=1 default=ignore]', 'pam_unix.so', ['nullok'], 'common-auth', 'include'),
  pam('auth', 'requisite', 'pam_deny.so', [], 'common-auth', 'include'),
  pam('auth', 'required', 'pam_permit.so', [], 'common-auth', 'include'),
];
const commonAccount = (): PamEntry[] => [pam('account', 'required', 'pam_unix.so', [], 'common-account', 'include')];
const faillock = (): PamEntry[] => [
  pam('auth', 'required', 'pam_faillock.so', ['preauth'], 'common-auth', 'include'),
];

/** sshd (TOTP via keyboard-interactive), sudo (U2F key), login and gdm (CPS card when `cpsLogon`). */
function linuxPam(opts: { secondFactor: boolean; cpsLogon?: boolean }): PamEvidence {
  const sshdAuth = opts.secondFactor
    ? [...faillock(), pam('auth', 'required', 'pam_oath.so', ['usersfile=/etc/users.oath', 'window=20', 'digits=6'], 'sshd')]
    : [...faillock(), ...commonAuth()];
  const logon = (service: string): PamEntry[] =>
    opts.cpsLogon
      ? [...faillock(), pam('auth', 'required', 'pam_pkcs11.so', ['wait_for_card'], service), ...commonAccount()]
      : [...faillock(), ...commonAuth(), ...commonAccount()];
  const services: PamEvidence['services'] = [
    { service: 'sshd', entries: [...sshdAuth, ...commonAccount(), pam('session', 'required', 'pam_loginuid.so', [], 'sshd')] },
    {
      service: 'sudo',
      entries: opts.secondFactor
        ? [...commonAuth(), pam('auth', 'required', 'pam_u2f.so', ['cue', 'authfile=/etc/security/u2f_mappings'], 'sudo'), ...commonAccount()]
        : [...commonAuth(), ...commonAccount()],
    },
    { service: 'login', entries: logon('login') },
  ];
  if (opts.cpsLogon) services.push({ service: 'gdm-password', entries: logon('gdm-password') });
  return { services };
}

export function linuxMfa(now: Date, sshd: SshdSettings, opts: { secondFactor: boolean; cpsLogon?: boolean; remote: RemoteEntryPoint[] }): MfaEvidence {
  return {
    sshd: sshdEvidence(sshd),
    pam: linuxPam(opts),
    enrolment: { group: 'adm-ssh', members: ADMINS.map((user) => ({ user, enrolled: opts.secondFactor, method: opts.secondFactor ? 'totp + u2f' : null })) },
    remote_access: opts.remote,
    second_factors: opts.secondFactor
      ? [
          { population: 'admins', context: 'pam_oath (sshd) + pam_u2f (sudo)', factors: ['totp', 'u2f'] },
          { population: 'third-parties', context: 'one-time password per intervention', factors: ['totp'] },
        ]
      : [],
    local_admins: {
      members: ADMINS.map((name, i) => ({ name, kind: 'user' as const, last_interactive_logon_at: ago(now, (i + 1) * 26 * HOUR) })),
      builtin_admin: { name: 'root', enabled: false, laps_managed: false, last_interactive_logon_at: null },
      daily_user_is_admin: null,
      logon_history_since: ago(now, 90 * DAY),
    },
    lockout: { threshold: 3, duration_minutes: 10, observation_window_minutes: 15, source: 'pam_faillock (/etc/security/faillock.conf)' },
    // pam_pwquality minlen 15 for everyone (the admins are the only accounts), admins renewed yearly.
    password_policy: {
      source: 'pam_pwquality (/etc/security/pwquality.conf) + /etc/login.defs + /etc/shadow',
      min_length: 15,
      max_length: null,
      max_age_days: null,
      history: 5,
      accounts: ADMINS.map((name) => ({ name, privileged: true, max_age_days: 365 })),
    },
  };
}

export const adminSsh = (): RemoteEntryPoint[] => [
  { kind: 'ssh', name: 'sshd (ListenAddress on the admin network)', exposure: 'admin-network', factors: ['publickey', 'totp'] },
];
