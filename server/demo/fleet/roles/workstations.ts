// Clinical workstations (and a few docked laptops) per site, with the placed flaws: VNC and
// TeamViewer left on, an open Wi-Fi profile, password-only logon at reception, a local admin user.
import type { RemoteControlTool } from '../../../../policies/evidence.js';
import { type LogonKind, windowsAccess, windowsLocalAdmins, windowsLockout, windowsLogon } from '../evidence/mfa.js';
import { listener, windowsNetwork, workstationFlows } from '../evidence/network.js';
import { laptopWifi, windowsNoWifi } from '../evidence/wifi.js';
import { WINDOWS_11 } from '../platforms.js';
import { type HostSpec } from './host-spec.js';
import { type SimulatedSite } from '../sites.js';

/** A clinical workstation's address: the site's workstation VLAN (x.y.40.0/24). */
export const workstationAddress = (site: SimulatedSite, n: number) => `${site.lan}.40.${10 + n}`;

const SERVICES = ['urg', 'rea', 'mater', 'radio', 'bloc', 'cardio', 'pharma', 'accueil', 'labo', 'pedia', 'onco', 'psy'];

export function workstations(site: SimulatedSite, index: number, random: () => number, prefix: string): HostSpec[] {
  const count = [12, 8, 5][index] ?? 5;
  // Laptops (docked, radio off by policy): two at the support site, one elsewhere.
  const laptops = new Set(index === 0 ? [2, 9] : [3]);
  const specs: HostSpec[] = [];
  for (let n = 1; n <= count; n++) {
    const service = SERVICES[(n - 1) % SERVICES.length] ?? 'urg';
    const hostname = `${prefix}-pc-${service}-${String(n).padStart(3, '0')}`;
    // Placed, not rolled: the demo always shows them. A forgotten TightVNC on three imaging or
    // ward PCs, a vendor's TeamViewer left installed (and phoning its relay) on one.
    const vnc = (index === 0 && (n === 4 || n === 7)) || (index === 1 && n === 4);
    const teamviewer = index === 0 && n === 11;
    const laptop = laptops.has(n);
    const logon: LogonKind = service === 'accueil' && index !== 2 ? 'password' : random() < 0.4 ? 'cps' : 'whfb';
    specs.push({
      site,
      role: 'workstation',
      hostname,
      os: WINDOWS_11,
      system: { laptop },
      build: (now) => ({
        network: windowsNetwork(
          site,
          now,
          [
            ...(vnc ? [listener('0.0.0.0', 5900, 'tvnserver.exe', 3120)] : []),
            ...(teamviewer ? [listener('0.0.0.0', 5938, 'TeamViewer_Service.exe', 2870)] : []),
          ],
          [
            ...workstationFlows(site, service),
            ...(teamviewer ? [{ address: '188.172.219.136', port: 5938, process: 'TeamViewer_Service.exe', fqdn: 'router12.teamviewer.com' }] : []),
          ],
          {
            logsBlocked: n % 7 !== 0,
            firefoxWithoutPolicy: service === 'pharma' && index === 0,
            addresses: [workstationAddress(site, n)],
            remoteControl: [
              ...(vnc ? [{ product: 'vnc', found_by: ['package', 'service', 'process'], name: 'TightVNC', running: true, connected: false } satisfies RemoteControlTool] : []),
              ...(teamviewer ? [{ product: 'teamviewer', found_by: ['package', 'service', 'process'], name: 'TeamViewer', running: true, connected: true } satisfies RemoteControlTool] : []),
            ],
          },
        ),
        wifi: laptop ? laptopWifi({ method: index === 1 ? 'peap' : 'tls', openProfile: index === 0 && n === 9 }) : windowsNoWifi(),
        backups: { sources: [] },
        mfa: {
          sshd: { installed: false, settings: null },
          ...windowsLogon(now, logon, false),
          ...windowsAccess(logon, []),
          lockout: windowsLockout(),
          local_admins: windowsLocalAdmins(now, service === 'labo' && index === 0),
        },
      }),
    });
  }
  return specs;
}
