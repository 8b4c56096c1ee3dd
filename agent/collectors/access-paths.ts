// Remote entry points and second factors on Linux (AUTH-04, AUTH-05), derived from what the
// other collectors read: sshd's effective settings, the PAM stacks, and the VPN configurations.
// Pure: no I/O here.
import type { FactorType, PamEvidence, RemoteEntryPoint, SecondFactorPolicy, SshdEvidence, SshdSettings, Unavailable } from '../../policies/evidence.js';
import { isUnavailable } from '../../policies/evidence.js';
import type { VpnState } from './vpn.js';
import { inNetworks } from './networks.js';

/** PAM modules that add a second factor, and the factor each stands for. */
export const PAM_SECOND_FACTORS: Readonly<Record<string, FactorType>> = {
  'pam_oath.so': 'totp',
  'pam_google_authenticator.so': 'totp',
  'pam_u2f.so': 'u2f',
  'pam_pkcs11.so': 'smartcard',
  'pam_p11.so': 'smartcard',
  'pam_yubico.so': 'hotp',
  // RADIUS can carry anything, SMS included: its factor type is not visible from the host.
  'pam_radius_auth.so': 'other',
};

const POPULATION: Readonly<Record<string, SecondFactorPolicy['population']>> = { sshd: 'remote-access', sudo: 'admins', login: 'users' };

/** Second factors each PAM service enforces (optional/sufficient lines are not enforcement). */
export function pamSecondFactors(pam: PamEvidence | Unavailable | undefined): Map<string, FactorType[]> | Unavailable {
  if (pam === undefined) return { unavailable: 'PAM stacks not collected on this platform' };
  if (isUnavailable(pam)) return pam;
  const result = new Map<string, FactorType[]>();
  for (const service of pam.services) {
    if ('unavailable' in service) continue;
    const factors = service.entries
      .filter((e) => e.type === 'auth' && e.module in PAM_SECOND_FACTORS && e.control !== 'optional' && e.control !== 'sufficient')
      .map((e) => PAM_SECOND_FACTORS[e.module] as FactorType);
    result.set(service.service, [...new Set(factors)]);
  }
  return result;
}

export function secondFactorPolicies(pam: PamEvidence | Unavailable | undefined): SecondFactorPolicy[] | Unavailable {
  const perService = pamSecondFactors(pam);
  if (isUnavailable(perService)) return { unavailable: `second factors not established: ${perService.unavailable}`.slice(0, 500) };
  const policies: SecondFactorPolicy[] = [];
  for (const [service, factors] of perService) {
    const population = POPULATION[service];
    if (population && factors.length > 0) policies.push({ population, context: `PAM ${service}`, factors });
  }
  return policies;
}

/** The factor a password-like sshd method stands for, given what PAM enforces behind it. */
function sshMethodFactors(method: string, settings: SshdSettings, pamSshd: FactorType[] | null): FactorType[] | null {
  const name = method.split(':')[0];
  if (name === 'publickey') return ['publickey'];
  if (name === 'password') return ['password'];
  if (name === 'keyboard-interactive') {
    if (settings.usepam !== 'yes') return ['password'];
    if (pamSshd === null) return null;
    // Debian's sshd stack asks the password (common-auth) and then the PAM second factor.
    return ['password', ...pamSshd];
  }
  if (name === 'gssapi-with-mic' || name === 'hostbased') return ['other'];
  if (name === 'none') return [];
  return ['other'];
}

/** One entry point per way in: each AuthenticationMethods list, or each enabled method with `any`. */
export function sshEntryPoints(sshd: SshdEvidence | Unavailable, pam: PamEvidence | Unavailable | undefined, adminNetworks: readonly string[]): RemoteEntryPoint[] | Unavailable {
  if (isUnavailable(sshd)) return { unavailable: `sshd configuration not read: ${sshd.unavailable}`.slice(0, 500) };
  if (!sshd.installed || sshd.settings === null) return [];
  const s = sshd.settings;
  const perService = pamSecondFactors(pam);
  const pamSshd = isUnavailable(perService) ? null : (perService.get('sshd') ?? []);
  const addresses = s.listenaddress.map((a) => a.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''));
  if (addresses.length > 0 && addresses.every((a) => a === '127.0.0.1' || a === '::1')) return [];
  const exposure: RemoteEntryPoint['exposure'] =
    adminNetworks.length > 0 && addresses.length > 0 && addresses.every((a) => inNetworks(a, adminNetworks)) ? 'admin-network' : 'internal';
  const lists: string[][] =
    s.authenticationmethods && s.authenticationmethods !== 'any'
      ? s.authenticationmethods.split(/\s+/).filter(Boolean).map((l) => l.split(','))
      : [
          ['publickey'],
          ...(s.passwordauthentication === 'yes' ? [['password']] : []),
          ...(s.kbdinteractiveauthentication === 'yes' ? [['keyboard-interactive']] : []),
        ];
  return lists.slice(0, 16).map((list) => {
    const parts = list.map((m) => sshMethodFactors(m, s, pamSshd));
    const factors = parts.some((p) => p === null) ? [] : [...new Set(parts.flat() as FactorType[])];
    return { kind: 'ssh' as const, name: `sshd ${list.join(',')} on ${addresses.join(' ') || 'all addresses'}`.slice(0, 128), exposure, factors };
  });
}

export function vpnEntryPoints(vpns: VpnState[] | Unavailable, adminNetworks: readonly string[]): RemoteEntryPoint[] | Unavailable {
  if (isUnavailable(vpns)) return vpns;
  return vpns
    .filter((v) => v.role === 'server')
    .map((v) => ({
      kind: 'vpn' as const,
      name: v.name.slice(0, 128),
      exposure: v.local_address && adminNetworks.length > 0 && inNetworks(v.local_address, adminNetworks) ? ('admin-network' as const) : ('internet' as const),
      factors: v.factors.slice(0, 8),
    }));
}
