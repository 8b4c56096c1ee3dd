// VPN configurations on Linux: OpenVPN (/etc/openvpn, server/ and client/), WireGuard
// (/etc/wireguard/*.conf) and IPsec (ipsec.conf + ipsec.d for strongSwan and libreswan).
// Privilege: /etc/wireguard is root-only (CAP_DAC_READ_SEARCH); interface state is world-readable.
import type { Unavailable } from '../../policies/evidence.js';
import { parseIpsecConf, parseOpenVpnConfig, parseWireGuardConfig, type VpnConfig } from './parse-vpn-config.js';
import { listDir, messageOf, readOptional } from './tool.js';

export interface VpnState extends VpnConfig {
  /** The tunnel's interface exists and is up now (null: interface not known). */
  up: boolean | null;
}

export async function collectVpnConfigs(options: { fsRoot?: string; sysRoot?: string } = {}): Promise<VpnState[] | Unavailable> {
  const root = options.fsRoot ?? '/';
  const sys = options.sysRoot ?? '/sys';
  try {
    const configs: VpnConfig[] = [];
    for (const dir of ['etc/openvpn', 'etc/openvpn/server', 'etc/openvpn/client']) {
      for (const f of await listDir(root, dir, (n) => n.endsWith('.conf') || n.endsWith('.ovpn'))) {
        const text = await readOptional(root, `${dir}/${f}`);
        if (text !== null) configs.push(parseOpenVpnConfig(text, `openvpn ${dir.replace('etc/openvpn', '').replace(/^\//, '') || 'main'}/${f.replace(/\.(conf|ovpn)$/, '')}`));
      }
    }
    for (const f of await listDir(root, 'etc/wireguard', (n) => n.endsWith('.conf'))) {
      const text = await readOptional(root, `etc/wireguard/${f}`);
      if (text !== null) configs.push(parseWireGuardConfig(text, f.replace(/\.conf$/, '')));
    }
    const ipsecFiles = ['etc/ipsec.conf', ...(await listDir(root, 'etc/ipsec.d', (n) => n.endsWith('.conf'))).map((f) => `etc/ipsec.d/${f}`)];
    for (const file of ipsecFiles) {
      const text = await readOptional(root, file);
      if (text !== null) configs.push(...parseIpsecConf(text));
    }
    const states: VpnState[] = [];
    for (const c of configs.slice(0, 32)) {
      let up: boolean | null = null;
      if (c.interface) {
        const oper = await readOptional(sys, `class/net/${c.interface}/operstate`).catch(() => null);
        const flags = await readOptional(sys, `class/net/${c.interface}/flags`).catch(() => null);
        // WireGuard/tun interfaces report operstate "unknown" when up: use the IFF_UP flag.
        up = oper === null ? false : oper.trim() === 'up' || (flags !== null && (Number.parseInt(flags.trim(), 16) & 1) === 1);
      }
      states.push({ ...c, up });
    }
    return states;
  } catch (error) {
    return { unavailable: `VPN configuration unreadable: ${messageOf(error)}` };
  }
}
