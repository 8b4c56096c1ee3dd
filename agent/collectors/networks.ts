// CIDR membership for the agent's declared networks (admin networks in its config).
import ipaddr from 'ipaddr.js';

export function inNetworks(address: string, networks: readonly string[]): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(address);
  } catch {
    return false;
  }
  return networks.some((n) => {
    try {
      const [range, bits] = ipaddr.parseCIDR(n.includes('/') ? n : `${n}/${n.includes(':') ? 128 : 32}`);
      return ip.kind() === range.kind() && ip.match([range, bits] as [typeof ip, number]);
    } catch {
      return false;
    }
  });
}
