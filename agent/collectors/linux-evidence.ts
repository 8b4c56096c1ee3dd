// The Linux collectors added by issue 19, run together and merged into the sections they fill:
// network (firewall, SMBv1, proxy policy, browser DoH, remote-control tools), mfa (local admins,
// remote entry points, second factors, password policy), system, and telemaintenance on gateways.
import type { Evidence, HostRole, MfaEvidence, NetworkEvidence, Unavailable } from '../../policies/evidence.js';
import { isUnavailable } from '../../policies/evidence.js';
import { sshEntryPoints, secondFactorPolicies, vpnEntryPoints } from './access-paths.js';
import { collectBrowserAndProxy } from './browser-proxy.js';
import { collectGateway } from './gateway.js';
import { collectHostFirewall } from './host-firewall.js';
import { collectLocalAdmins } from './local-admins.js';
import { collectPam } from './pam.js';
import { collectPasswordPolicy } from './password-policy.js';
import { collectRemoteControl } from './remote-control.js';
import { collectEnrolment } from './second-factor-enrolment.js';
import { collectSmb1 } from './smb.js';
import { collectSystem, type SystemCollectOptions } from './system.js';
import { collectVpnConfigs } from './vpn.js';

export interface LinuxEvidenceOptions {
  role: HostRole;
  fsRoot?: string;
  procRoot?: string;
  sysRoot?: string;
  /** Admin networks (CIDRs): sshd or a VPN bound only inside them is not a remote entry point. */
  adminNetworks?: readonly string[];
  vendorGroups?: readonly string[];
  system?: Omit<SystemCollectOptions, 'fsRoot'>;
}

export async function addLinuxEvidence(evidence: Evidence, options: LinuxEvidenceOptions): Promise<Evidence> {
  const fsRoot = options.fsRoot ?? '/';
  const [firewall, smb1, browser, remote_control, local_admins, vpns, passwdPam] = await Promise.all([
    collectHostFirewall({ fsRoot, procRoot: options.procRoot }),
    collectSmb1({ fsRoot, procRoot: options.procRoot }),
    collectBrowserAndProxy({ fsRoot }),
    collectRemoteControl({ procRoot: options.procRoot }),
    collectLocalAdmins({ fsRoot }),
    collectVpnConfigs({ fsRoot, sysRoot: options.sysRoot }),
    collectPam({ fsRoot, services: ['passwd'], platform: 'linux' }),
  ]);
  const network: NetworkEvidence | Unavailable = isUnavailable(evidence.network)
    ? evidence.network
    : { ...evidence.network, firewall, smb1, proxy_policy: browser.proxy_policy, browser_doh: browser.browser_doh, remote_control };
  let mfa: MfaEvidence | Unavailable = evidence.mfa;
  if (!isUnavailable(mfa)) {
    const admins = options.adminNetworks ?? [];
    const ssh = sshEntryPoints(mfa.sshd, mfa.pam, admins);
    const vpn = vpnEntryPoints(vpns, admins);
    const remote_access = isUnavailable(ssh) ? ssh : isUnavailable(vpn) ? vpn : [...ssh, ...vpn].slice(0, 64);
    const privileged = new Set(isUnavailable(local_admins) ? [] : local_admins.members.map((m) => m.name));
    mfa = {
      ...mfa,
      local_admins,
      remote_access,
      second_factors: secondFactorPolicies(mfa.pam),
      enrolment: await collectEnrolment(mfa.pam, local_admins, { fsRoot }),
      password_policy: await collectPasswordPolicy(passwdPam, privileged, { fsRoot }),
    };
  }
  const system = await collectSystem(vpns, { ...options.system, fsRoot });
  const result: Evidence = { ...evidence, network, mfa, system };
  if (options.role === 'telemaintenance-gateway') {
    result.telemaintenance = await collectGateway(vpns, system.log_forwarding, { fsRoot, procRoot: options.procRoot, vendorGroups: options.vendorGroups });
  }
  return result;
}
