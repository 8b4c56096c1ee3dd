// Host firewall on Linux (NET-07): nftables first (`nft -j list ruleset`), else iptables-save.
// ufw and firewalld write into these same tables, so the loaded ruleset is what is judged; their
// own enabled flag is named in `source`. Privilege: reading the ruleset needs CAP_NET_ADMIN
// (root, or AmbientCapabilities=CAP_NET_ADMIN in the unit); without it: unavailable.
import type { FirewallProfile, HostFirewall, Unavailable } from '../../policies/evidence.js';
import { iptablesProfile, nftProfiles } from './parse-nft.js';
import { messageOf, readOptional, runTool } from './tool.js';

export interface FirewallOptions {
  fsRoot?: string;
  nftBinary?: string;
  iptablesSaveBinary?: string;
  ip6tablesSaveBinary?: string;
  /** /proc root: IPv6 disabled system-wide makes the IPv6 profile inactive. */
  procRoot?: string;
}

export async function collectHostFirewall(options: FirewallOptions = {}): Promise<HostFirewall | Unavailable> {
  const root = options.fsRoot ?? '/';
  const ipv6Off = (await readOptional(options.procRoot ?? '/proc', 'sys/net/ipv6/conf/all/disable_ipv6').catch(() => null))?.trim() === '1';
  const frontends = await frontendState(root);
  const nft = await runTool(options.nftBinary ?? 'nft', ['-j', 'list', 'ruleset']);
  let profiles: FirewallProfile[];
  let source: string;
  if ('stdout' in nft) {
    try {
      profiles = nftProfiles(nft.stdout);
    } catch (error) {
      return { unavailable: messageOf(error) };
    }
    source = 'nft -j list ruleset';
  } else if ('missing' in nft) {
    const v4 = await runTool(options.iptablesSaveBinary ?? 'iptables-save', []);
    if (!('stdout' in v4)) return { unavailable: `neither nft nor iptables-save could be run: ${'missing' in v4 ? v4.reason : v4.error}` };
    const v6 = await runTool(options.ip6tablesSaveBinary ?? 'ip6tables-save', []);
    profiles = [iptablesProfile(v4.stdout, 'IPv4'), 'stdout' in v6 ? iptablesProfile(v6.stdout, 'IPv6') : { name: 'ip6tables INPUT (IPv6)', active: true, enabled: false, default_inbound: null, logs_blocked: null }];
    source = 'iptables-save / ip6tables-save';
  } else {
    return { unavailable: `nft -j list ruleset: ${nft.error} (reading the ruleset needs CAP_NET_ADMIN)` };
  }
  if (ipv6Off) profiles = profiles.map((p) => (p.name.includes('IPv6') ? { ...p, active: false } : p));
  return { source: `${source}${frontends ? `; ${frontends}` : ''}`.slice(0, 200), profiles };
}

/** ufw / firewalld enabled flags from their configuration (they write into nftables/iptables). */
async function frontendState(root: string): Promise<string> {
  const parts: string[] = [];
  const ufw = await readOptional(root, 'etc/ufw/ufw.conf').catch(() => null);
  if (ufw !== null) parts.push(`ufw ${/^\s*ENABLED\s*=\s*yes/m.test(ufw) ? 'enabled' : 'disabled'} in ufw.conf`);
  const firewalld = await readOptional(root, 'etc/firewalld/firewalld.conf').catch(() => null);
  if (firewalld !== null) parts.push('firewalld configured');
  return parts.join(', ');
}
