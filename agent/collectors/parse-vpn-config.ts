// Pure reading of VPN configurations: OpenVPN, WireGuard, and IPsec (strongSwan/libreswan
// ipsec.conf, strongSwan swanctl.conf). What leaves: role (server/client), tunnel type,
// authentication kind, TLS floor, ciphers, endpoint. Never a key, PSK or certificate body.
import type { FactorType, Tunnel } from '../../policies/evidence.js';

export interface VpnConfig {
  /** File-derived name, e.g. "openvpn server/vendor", "wireguard wg0", "ipsec conn vendor-x". */
  name: string;
  kind: 'openvpn' | 'wireguard' | 'ipsec';
  role: 'server' | 'client' | 'peer';
  type: Tunnel['type'];
  authentication: Tunnel['authentication'];
  /** Factors a connecting party must present together. */
  factors: FactorType[];
  tls_version: string | null;
  ciphers: string[];
  /** Remote endpoint (client side), host or IP. */
  endpoint: string | null;
  /** Network interface carrying the tunnel when known (wg0, tun0). */
  interface: string | null;
  /** Address the server binds (OpenVPN `local`, WireGuard none = all). */
  local_address: string | null;
}

function directives(text: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  let inline = false;
  for (const raw of text.split('\n').slice(0, 20_000)) {
    const line = raw.trim();
    // Inline <ca>...</ca>, <key>... blocks: their presence counts, their content never leaves.
    const open = /^<([a-z-]+)>$/.exec(line);
    if (open?.[1]) {
      out.push([open[1], ['inline']]);
      inline = true;
      continue;
    }
    if (/^<\/[a-z-]+>$/.test(line)) {
      inline = false;
      continue;
    }
    if (inline || !line || line.startsWith('#') || line.startsWith(';')) continue;
    const [key, ...args] = line.split(/\s+/);
    if (key) out.push([key.toLowerCase(), args]);
  }
  return out;
}

export function parseOpenVpnConfig(text: string, name: string): VpnConfig {
  const d = directives(text);
  const has = (k: string) => d.some(([key]) => key === k);
  const arg = (k: string) => d.find(([key]) => key === k)?.[1] ?? null;
  const server = has('server') || has('server-bridge') || arg('mode')?.[0] === 'server';
  const staticKey = has('secret');
  const certs = has('cert') && has('ca');
  const noClientCert = (arg('verify-client-cert')?.[0] ?? '') === 'none' || has('client-cert-not-required');
  const password = has('auth-user-pass-verify') || d.some(([k, a]) => k === 'plugin' && a.some((x) => /auth-pam|auth-ldap|radius/i.test(x))) || (!server && has('auth-user-pass'));
  const factors: FactorType[] = [];
  let authentication: Tunnel['authentication'];
  if (staticKey) {
    authentication = 'psk';
    factors.push('other');
  } else {
    if (certs && !(server && noClientCert)) factors.push('client-certificate');
    if (password) factors.push('password');
    authentication = factors.includes('client-certificate') ? 'certificate' : password ? 'password' : certs ? 'none' : 'none';
  }
  const ciphers = [...(arg('data-ciphers')?.[0]?.split(':') ?? []), ...(arg('cipher') ?? [])].filter(Boolean).slice(0, 16);
  const remote = arg('remote');
  const dev = arg('dev')?.[0] ?? null;
  return {
    name,
    kind: 'openvpn',
    role: server ? 'server' : 'client',
    type: staticKey ? 'other' : 'tls-vpn',
    authentication,
    factors,
    tls_version: arg('tls-version-min')?.[0] ?? null,
    ciphers,
    endpoint: remote?.[0] ?? null,
    interface: dev && /^(tun|tap)\d+$/.test(dev) ? dev : null,
    local_address: arg('local')?.[0] ?? null,
  };
}

export function parseWireGuardConfig(text: string, iface: string): VpnConfig {
  let section = '';
  let listens = false;
  let endpoint: string | null = null;
  let psk = false;
  let peers = 0;
  for (const raw of text.split('\n').slice(0, 20_000)) {
    const line = raw.replace(/#.*$/, '').trim();
    const header = /^\[(\w+)\]$/.exec(line);
    if (header?.[1]) {
      section = header[1].toLowerCase();
      if (section === 'peer') peers += 1;
      continue;
    }
    const kv = /^(\w+)\s*=\s*(.+)$/.exec(line);
    if (!kv?.[1] || !kv[2]) continue;
    const key = kv[1].toLowerCase();
    if (section === 'interface' && key === 'listenport') listens = true;
    if (section === 'peer' && key === 'endpoint' && endpoint === null) endpoint = kv[2].trim().replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (section === 'peer' && key === 'presharedkey') psk = true;
  }
  return {
    name: `wireguard ${iface}`,
    kind: 'wireguard',
    // A side that listens and has no endpoint of its own to reach is where peers come in.
    role: listens && (endpoint === null || peers > 1) ? 'server' : 'client',
    type: 'other',
    // Static key pairs (plus an optional PSK): no PKI, no user factor.
    authentication: 'other',
    factors: psk ? ['publickey', 'other'] : ['publickey'],
    tls_version: null,
    ciphers: ['ChaCha20-Poly1305'],
    endpoint,
    interface: iface,
    local_address: null,
  };
}

interface IpsecConn {
  name: string;
  settings: Map<string, string>;
}

/** ipsec.conf (strongSwan and libreswan share it): `conn NAME` sections, `%default` merged in. */
export function parseIpsecConf(text: string): VpnConfig[] {
  const conns: IpsecConn[] = [];
  let current: IpsecConn | null = null;
  const defaults = new Map<string, string>();
  for (const raw of text.split('\n').slice(0, 50_000)) {
    if (raw.trim().startsWith('#') || raw.trim() === '') continue;
    const conn = /^conn\s+(\S+)/.exec(raw);
    if (conn?.[1]) {
      current = { name: conn[1], settings: new Map() };
      if (conn[1] === '%default') current.settings = defaults;
      else conns.push(current);
      continue;
    }
    if (/^\S/.test(raw)) {
      current = null; // config setup, ca sections
      continue;
    }
    const kv = /^\s+([a-z0-9_-]+)\s*=\s*"?([^"#]*?)"?\s*(#.*)?$/i.exec(raw);
    if (current && kv?.[1] && kv[2] !== undefined) current.settings.set(kv[1].toLowerCase(), kv[2].trim());
  }
  return conns.map((c) => {
    const get = (k: string) => c.settings.get(k) ?? defaults.get(k) ?? null;
    const keyexchange = (get('keyexchange') ?? '').toLowerCase();
    const ikev2Flag = (get('ikev2') ?? '').toLowerCase();
    // strongSwan: keyexchange=ikev1|ikev2|ike; libreswan < 5: ikev2=no|never means IKEv1.
    const v2 = keyexchange === 'ikev1' ? false : keyexchange === 'ikev2' ? true : ikev2Flag !== 'no' && ikev2Flag !== 'never';
    const authby = (get('authby') ?? '').toLowerCase();
    const remoteAuth = (get('rightauth') ?? '').toLowerCase();
    const remoteAuth2 = (get('rightauth2') ?? '').toLowerCase();
    const factors: FactorType[] = [];
    const classify = (method: string) => {
      if (/^(pubkey|rsa|ecdsa|rsasig|eap-tls)/.test(method)) factors.push('client-certificate');
      else if (/^(psk|secret)/.test(method)) factors.push('other');
      else if (/^(eap-mschapv2|eap-md5|eap-gtc|eap-radius|xauth)/.test(method)) factors.push('password');
      else if (method) factors.push('other');
    };
    if (remoteAuth) classify(remoteAuth);
    else if (authby) classify(authby === 'secret' || authby === 'psk' ? 'psk' : authby.includes('xauthpsk') ? 'psk' : authby);
    else classify('pubkey'); // the default of both daemons
    if (remoteAuth2) classify(remoteAuth2);
    if (/xauth/.test(authby)) factors.push('password');
    const authentication: Tunnel['authentication'] = factors.includes('client-certificate')
      ? 'certificate'
      : factors.includes('other') && !remoteAuth.startsWith('eap')
        ? 'psk'
        : factors.includes('password')
          ? 'password'
          : 'other';
    const right = get('right');
    const server = right === '%any' || right === '%any6' || right === null;
    return {
      name: `ipsec conn ${c.name}`,
      kind: 'ipsec' as const,
      role: server ? ('server' as const) : ('peer' as const),
      type: v2 ? ('ipsec-ikev2' as const) : ('ipsec-ikev1' as const),
      authentication,
      factors: [...new Set(factors)],
      tls_version: null,
      ciphers: [get('ike'), get('esp')].filter((x): x is string => !!x).slice(0, 16),
      endpoint: server ? null : right,
      interface: null,
      local_address: get('left') && get('left') !== '%defaultroute' && get('left') !== '%any' ? get('left') : null,
    };
  });
}
