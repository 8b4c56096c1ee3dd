// The `system` section as the Linux and Windows agents report it (agent/collectors/system.ts,
// windows-evidence.ts): OS product for end of support, time sync, log forwarding, pending updates,
// disk encryption, VPN profiles. Windows hosts forward their events by Windows Event Forwarding
// (workstations) or NXLog (servers): a WEF source keeps no record of its last shipped event and
// NXLog's destination is in its own file, so LOG-01 says unknown there, as on a real host.
import type { HostIdentity, LogForwardTarget, SystemEvidence, VpnProfile } from '../../../../policies/evidence.js';
import { DAY, HOUR, MINUTE, ago } from '../clock.js';
import { GHT, type SimulatedSite, siteAddresses } from '../sites.js';

export interface SystemPlan {
  /** A laptop with BitLocker (recovery key escrowed in AD) and an Always On VPN user tunnel. */
  laptop?: boolean;
  /** rsyslog forwarding stalled that long ago (a gateway's placed flaw). */
  forwardingStalledMs?: number;
}

function osProduct(os: HostIdentity['os']): SystemEvidence['os'] {
  const distro = os.distro ?? '';
  if (os.platform === 'windows') {
    const server = /Server/.exec(distro);
    if (server) {
      const version = /\b(20\d\d( R2)?)\b/.exec(distro)?.[1] ?? 'unknown';
      return { product: 'windows-server', version, build: os.release, edition: /Datacenter/.test(distro) ? 'Datacenter' : 'Standard', source: 'Get-CimInstance Win32_OperatingSystem' };
    }
    return { product: 'windows', version: '11', build: '24H2', edition: 'Enterprise', source: 'Get-CimInstance Win32_OperatingSystem' };
  }
  const rhel = /Red Hat/.test(distro);
  return { product: rhel ? 'rhel' : 'debian', version: (os.release ?? '').split('.')[0] ?? '', build: null, edition: null, source: `/etc/os-release (${distro})` };
}

/** What parse-windows-log-forwarding.ts reports: WEF on workstations, NXLog on servers. */
function windowsLogForwarding(server: boolean): LogForwardTarget[] {
  if (server) {
    return [{ daemon: 'nxlog', target: 'destination set in nxlog.conf (not read by the agent)', protocol: null, last_shipped_at: null, last_shipped_unavailable: 'nxlog service Running; it keeps its own delivery state, not read by the agent' }];
  }
  return [{ daemon: 'windows-event-forwarding', target: `https://wec.${GHT.domain}:5986/wsman/SubscriptionManager/WEC`, protocol: 'https', last_shipped_at: null, last_shipped_unavailable: 'a WEF source keeps no record of the last event it shipped: the collector knows it (wecutil gr)' }];
}

/** What parse-windows-vpn.ts reports for a laptop's Always On VPN user tunnel (EAP-TLS from the CPS card). */
const laptopVpn = (): VpnProfile[] => [
  { name: 'VPN GHT', kind: 'always-on-vpn', always_on: true, user_can_disable: null, factors: ['smartcard'], endpoint: `vpn.${GHT.domain}` },
];

export function systemEvidence(site: SimulatedSite, os: HostIdentity['os'], now: Date, plan: SystemPlan = {}): SystemEvidence {
  const dc = siteAddresses(site).dc;
  if (os.platform === 'windows') {
    return {
      os: osProduct(os),
      time_sync: { daemon: 'w32time', synchronized: true, configured_sources: [`dc1.${GHT.domain}`], current_source: `dc1.${GHT.domain}`, offset_seconds: 0.004 },
      log_forwarding: windowsLogForwarding(/Server/.test(os.distro ?? '')),
      // WSUS approves monthly: last month's cumulative update is installed, nothing pending for security.
      updates: { manager: 'Windows Update', pending: [], complete: true, last_install_at: ago(now, 12 * DAY), index_date: ago(now, 6 * HOUR) },
      disk_encryption: [
        {
          mount: 'C:',
          scheme: plan.laptop ? 'bitlocker' : 'none',
          protection_on: plan.laptop ? true : false,
          cipher: plan.laptop ? 'XtsAes256' : null,
          key_bits: plan.laptop ? 256 : null,
          recovery_escrowed: plan.laptop ? true : null,
          suspended_since: null,
        },
      ],
      vpn_profiles: plan.laptop ? laptopVpn() : [],
    };
  }
  const rhel = /Red Hat/.test(os.distro ?? '');
  return {
    os: osProduct(os),
    time_sync: { daemon: 'chrony', synchronized: true, configured_sources: dc, current_source: dc[0] ?? null, offset_seconds: 0.0008 },
    log_forwarding: [
      {
        daemon: 'rsyslog',
        target: `${GHT.syslog.fqdn}:6514`,
        protocol: 'tls',
        last_shipped_at: ago(now, plan.forwardingStalledMs ?? 2 * MINUTE),
        last_shipped_unavailable: null,
      },
    ],
    updates: { manager: rhel ? 'dnf' : 'apt', pending: [], complete: true, last_install_at: ago(now, 3 * DAY), index_date: ago(now, 5 * HOUR) },
    disk_encryption: [{ mount: '/', scheme: 'none', protection_on: false, cipher: null, key_bits: null, recovery_escrowed: null, suspended_since: null }],
    vpn_profiles: [],
  };
}
