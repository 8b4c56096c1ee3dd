// Admin workstations: one Windows (CPS card or WHfB) and, on the larger sites, one Debian.
import { adminSsh, hardenedSshd, linuxMfa, windowsAccess, windowsLocalAdmins, windowsLockout, windowsLogon } from '../evidence/mfa.js';
import { type FlowSpec, linuxNetwork, listener, windowsNetwork } from '../evidence/network.js';
import { linuxNoWifi, windowsNoWifi } from '../evidence/wifi.js';
import { DEBIAN_12, WINDOWS_11 } from '../platforms.js';
import { type HostSpec } from './host-spec.js';
import { GHT, type SimulatedSite } from '../sites.js';

export function adminWorkstations(site: SimulatedSite, index: number, prefix: string): HostSpec[] {
  const count = index === 2 ? 1 : 2;
  const specs: HostSpec[] = [];
  for (let n = 1; n <= count; n++) {
    const address = `${site.adminNet}.${10 + n}`;
    const adminFlows: FlowSpec[] = [
      { address: `${site.adminNet}.1`, port: 22, process: n === 1 ? 'putty.exe' : 'ssh', fqdn: `bastion.${site.id}.${GHT.domain}` },
      { address: GHT.syslog.address, port: 443, process: n === 1 ? 'msedge.exe' : 'firefox-esr', fqdn: GHT.syslog.fqdn },
    ];
    if (n === 1) {
      specs.push({
        site,
        role: 'admin-workstation',
        hostname: `${prefix}-padm-${String(n).padStart(2, '0')}`,
        os: WINDOWS_11,
        build: (now) => ({
          network: windowsNetwork(site, now, [], adminFlows, { addresses: [address] }),
          wifi: windowsNoWifi(),
          backups: { sources: [] },
          mfa: {
            sshd: { installed: false, settings: null },
            ...windowsLogon(now, index === 0 ? 'cps' : 'whfb', true),
            ...windowsAccess(index === 0 ? 'cps' : 'whfb', []),
            lockout: windowsLockout(),
            local_admins: windowsLocalAdmins(now, false),
          },
        }),
      });
    } else {
      specs.push({
        site,
        role: 'admin-workstation',
        hostname: `${prefix}-padm-${String(n).padStart(2, '0')}`,
        os: DEBIAN_12,
        build: (now) => {
          const network = linuxNetwork(site, now, [listener(address, 22, 'sshd', 880)], adminFlows, { addresses: [address] });
          // Admin workstations get their proxy setting from a locked dconf key (GNOME).
          network.proxy_policy = { source: 'dconf org.gnome.system.proxy (locked key)', system_proxy: `${GHT.proxy.fqdn}:3128`, pac_url: null, enforced_by_policy: true };
          network.browser_doh = [{ browser: 'firefox', policy_mode: 'off' }];
          return {
            network,
            wifi: linuxNoWifi(),
            backups: { sources: [] },
            mfa: linuxMfa(now, hardenedSshd(address), { secondFactor: true, cpsLogon: true, remote: adminSsh() }),
          };
        },
      });
    }
  }
  return specs;
}
