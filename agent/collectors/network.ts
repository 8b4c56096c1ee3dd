// Network exposure: listening sockets, outbound flows, egress probes, proxy and DNS settings.
// On Linux the socket table is read from /proc (no netstat/ss needed, UDP included).
import { readFile, readdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type {
  EgressProbe,
  EgressProbeTarget,
  Listener,
  NetworkEvidence,
  OutboundFlow,
  OutboundObservation,
  ProxyDns,
  Unavailable,
} from '../../policies/evidence.js';
import { flowKey, isOutboundFlow } from './flow-key.js';
import { STATE_CLOSE, STATE_LISTEN, type KernelSocket } from './parse-proc-net.js';
import { parseResolvConf, parseResolvedDnsOverTls } from './parse-dns.js';
import { bounded, stripProxyCredentials } from './redact.js';
import { runEgressProbes, type ProbeOptions } from './egress-probes.js';
import type { FlowSampler } from './flow-sampler.js';
import { readSocketTable, type SocketTable } from './socket-table.js';
import { readWindowsSockets } from './windows-sockets.js';

export interface NetworkCollectOptions {
  /** Root of procfs (tests may point elsewhere). */
  procRoot?: string;
  /** Root under which /etc and /run are read (resolv.conf, resolved.conf). */
  fsRoot?: string;
  /** Environment whose proxy variables are reported. */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  now?: () => Date;
  /** A running sampler: the outbound window is then the time since the previous report. */
  flowSampler?: FlowSampler;
  /** Egress probe targets handed by the server for this host's role (absent: none received yet). */
  probeTargets?: readonly EgressProbeTarget[];
  probeOptions?: ProbeOptions;
}

const MAX_LISTENERS = 2000;
const MAX_FLOWS = 5000;

export async function collectNetwork(options: NetworkCollectOptions = {}): Promise<NetworkEvidence> {
  const platform = options.platform ?? process.platform;
  const now = options.now ?? (() => new Date());
  if (platform === 'win32') return collectWindowsNetwork(options, now);
  const sockets = platform === 'linux' ? snapshotSockets(options.procRoot ?? '/proc') : notOnThisPlatform(platform);
  const [proxyDns, probes] = await Promise.all([
    collectProxyDns(options.env ?? process.env, options.fsRoot ?? '/', platform),
    egressProbes(options.probeTargets, options.probeOptions),
  ]);
  if ('unavailable' in sockets) {
    return { listeners: sockets, outbound: sockets, egress_probes: probes, proxy_dns: proxyDns };
  }
  const at = now().toISOString();
  return {
    listeners: listenersFrom(sockets),
    outbound: options.flowSampler ? options.flowSampler.drain() : singleSnapshotObservation(flowsFrom(sockets, at), at),
    egress_probes: probes,
    proxy_dns: proxyDns,
    // After drain(): the sampler names the flows of the window as it drains them.
    name_resolution: options.flowSampler
      ? options.flowSampler.nameResolution()
      : { unavailable: 'names are joined by the running agent (vigie-agent run): a single snapshot has no DNS history' },
    local_addresses: localAddresses(),
  };
}

/**
 * Windows: sockets through PowerShell. With the running sampler, its window (and the listeners of
 * its last sample); otherwise one snapshot.
 */
async function collectWindowsNetwork(options: NetworkCollectOptions, now: () => Date): Promise<NetworkEvidence> {
  const [proxyDns, probes] = await Promise.all([
    collectProxyDns(options.env ?? process.env, options.fsRoot ?? '/', 'win32'),
    egressProbes(options.probeTargets, options.probeOptions),
  ]);
  const sampler = options.flowSampler;
  if (sampler) {
    const outbound = await sampler.drainAsync();
    return {
      listeners: sampler.lastListeners ?? { unavailable: 'no successful Get-NetTCPConnection sample yet' },
      outbound,
      egress_probes: probes,
      proxy_dns: proxyDns,
      name_resolution: sampler.nameResolution(),
      local_addresses: localAddresses(),
    };
  }
  const at = now().toISOString();
  try {
    const sockets = await readWindowsSockets(options.env);
    const flows = sockets.flows.map((f) => ({ ...f, first_seen: at, last_seen: at }));
    return {
      listeners: sockets.listeners.length > MAX_LISTENERS ? { unavailable: `too many listening sockets to report (${sockets.listeners.length} > ${MAX_LISTENERS})` } : sockets.listeners,
      outbound:
        flows.length > MAX_FLOWS
          ? { unavailable: `too many outbound flows to report (${flows.length} > ${MAX_FLOWS})` }
          : { method: 'single snapshot of Get-NetTCPConnection (PowerShell JSON) at collection time', window_start: at, window_end: at, samples: 1, flows },
      egress_probes: probes,
      proxy_dns: proxyDns,
      name_resolution: { unavailable: 'names are joined by the running agent (vigie-agent run): a single snapshot has no DNS history' },
      local_addresses: localAddresses(),
    };
  } catch (error) {
    const reason = { unavailable: bounded(`Windows socket table unreadable: ${(error as Error).message}`, 500) };
    return { listeners: reason, outbound: reason, egress_probes: probes, proxy_dns: proxyDns };
  }
}

/** This host's non-loopback interface addresses (the server maps proxy-log clients to hosts with them). */
export function localAddresses(): string[] | Unavailable {
  try {
    const out = new Set<string>();
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) if (!a.internal && !a.address.startsWith('fe80:')) out.add(a.address);
    }
    return [...out].slice(0, 64);
  } catch (error) {
    return { unavailable: bounded(`interface addresses unreadable: ${(error as Error).message}`, 500) };
  }
}

/** One read of the socket table with owners resolved for listeners and flows. */
export function snapshotSockets(procRoot: string): SocketTable | Unavailable {
  try {
    return readSocketTable(procRoot, (s) => isListener(s) || isOutboundFlow(s));
  } catch (error) {
    return { unavailable: bounded(`socket table unreadable: ${(error as Error).message}`, 500) };
  }
}

function notOnThisPlatform(platform: string): Unavailable {
  return { unavailable: `socket collection is implemented for Linux only (this host: ${platform})` };
}

async function egressProbes(targets: readonly EgressProbeTarget[] | undefined, options: ProbeOptions | undefined): Promise<EgressProbe[] | Unavailable> {
  if (targets === undefined) return { unavailable: 'no probe targets received from the server yet' };
  try {
    return await runEgressProbes(targets, options);
  } catch (error) {
    return { unavailable: bounded(`egress probes failed: ${(error as Error).message}`, 500) };
  }
}

export function isListener(socket: KernelSocket): boolean {
  if (socket.protocol === 'tcp') return socket.state === STATE_LISTEN;
  // An unconnected UDP socket bound to a port receives from anyone: it is a listener.
  return socket.state === STATE_CLOSE && socket.local_port !== 0;
}

export function listenersFrom(table: SocketTable): Listener[] | Unavailable {
  const seen = new Map<string, Listener>();
  for (const socket of table.sockets.filter(isListener)) {
    const owner = table.owners.get(socket.inode);
    const listener: Listener = {
      protocol: socket.protocol,
      address: socket.local_address,
      port: socket.local_port,
      process: owner?.process ?? null,
      pid: owner?.pid ?? null,
    };
    // Several sockets of one process on one address/port (SO_REUSEPORT workers) are one listener.
    seen.set(`${listener.protocol}|${listener.address}|${listener.port}|${listener.pid ?? '-'}`, listener);
  }
  const listeners = [...seen.values()].sort(
    (a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port || a.address.localeCompare(b.address),
  );
  // Truncating would hide listeners from the rules: better say we could not report them.
  if (listeners.length > MAX_LISTENERS) {
    return { unavailable: `too many listening sockets to report (${listeners.length} > ${MAX_LISTENERS})` };
  }
  return listeners;
}

/** Outbound flows seen in one snapshot, each first/last seen at `at`. */
export function flowsFrom(table: SocketTable, at: string): OutboundFlow[] {
  const flows = new Map<string, OutboundFlow>();
  for (const socket of table.sockets.filter(isOutboundFlow)) {
    const owner = table.owners.get(socket.inode);
    const flow: OutboundFlow = {
      protocol: socket.protocol,
      remote_address: socket.remote_address,
      remote_port: socket.remote_port,
      remote_fqdn: null,
      process: owner?.process ?? null,
      pid: owner?.pid ?? null,
      first_seen: at,
      last_seen: at,
    };
    flows.set(flowKey(flow), flow);
  }
  return [...flows.values()];
}

function singleSnapshotObservation(flows: OutboundFlow[], at: string): OutboundObservation | Unavailable {
  if (flows.length > MAX_FLOWS) {
    return { unavailable: `too many outbound flows to report (${flows.length} > ${MAX_FLOWS})` };
  }
  return {
    method: 'single snapshot of the socket table (/proc/net) at collection time',
    window_start: at,
    window_end: at,
    samples: 1,
    flows,
  };
}

// ---------------------------------------------------------------- proxy and DNS

const PROXY_VARIABLES = {
  http: ['http_proxy', 'HTTP_PROXY'],
  https: ['https_proxy', 'HTTPS_PROXY'],
  no_proxy: ['no_proxy', 'NO_PROXY'],
} as const;

/** Proxy variables as most tools read them (lower case first), credentials removed. */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxyDns['env_proxy'] {
  const pick = (names: readonly string[], maxLength: number, strip: boolean): string | null => {
    for (const name of names) {
      const value = env[name]?.trim();
      if (value) return bounded(strip ? stripProxyCredentials(value) : value, maxLength);
    }
    return null;
  };
  return {
    http: pick(PROXY_VARIABLES.http, 512, true),
    https: pick(PROXY_VARIABLES.https, 512, true),
    no_proxy: pick(PROXY_VARIABLES.no_proxy, 1024, false),
  };
}

async function collectProxyDns(env: NodeJS.ProcessEnv, fsRoot: string, platform: string): Promise<ProxyDns | Unavailable> {
  if (platform !== 'linux' && platform !== 'darwin') {
    return { unavailable: `proxy and DNS collection is implemented for Linux and macOS only (this host: ${platform})` };
  }
  let resolvConf: string;
  try {
    resolvConf = await readBounded(join(fsRoot, 'etc/resolv.conf'));
  } catch (error) {
    return { unavailable: bounded(`cannot read /etc/resolv.conf: ${(error as Error).message}`, 500) };
  }
  return {
    env_proxy: proxyFromEnv(env),
    resolvers: parseResolvConf(resolvConf),
    dns_over_tls: await resolvedDnsOverTls(fsRoot),
  };
}

/** From systemd-resolved's configuration; null when resolved is not configured on this host. */
async function resolvedDnsOverTls(fsRoot: string): Promise<boolean | null> {
  let main: string;
  try {
    main = await readBounded(join(fsRoot, 'etc/systemd/resolved.conf'));
  } catch {
    return null;
  }
  // systemd order: drop-ins from all directories sorted by file name; a name in /etc hides the
  // same name in /run, which hides /usr/lib.
  const dropIns = new Map<string, string>();
  for (const dir of ['usr/lib/systemd/resolved.conf.d', 'run/systemd/resolved.conf.d', 'etc/systemd/resolved.conf.d']) {
    let names: string[];
    try {
      names = (await readdir(join(fsRoot, dir))).filter((n) => n.endsWith('.conf')).slice(0, 64);
    } catch {
      continue;
    }
    for (const name of names) dropIns.set(name, join(fsRoot, dir, name));
  }
  const texts = [main];
  for (const name of [...dropIns.keys()].sort()) {
    try {
      texts.push(await readBounded(dropIns.get(name) ?? ''));
    } catch {
      // An unreadable drop-in could change the answer: say we do not know.
      return null;
    }
  }
  return parseResolvedDnsOverTls(texts);
}

const MAX_CONFIG_BYTES = 256 * 1024;

export async function readBounded(path: string, maxBytes = MAX_CONFIG_BYTES): Promise<string> {
  const data = await readFile(path);
  if (data.length > maxBytes) throw new Error(`${path} is larger than ${maxBytes} bytes`);
  return data.toString('utf8');
}
