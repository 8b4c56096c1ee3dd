// Egress probes: can this host open a connection to each target the server named? Each probe
// resolves the name (system resolver), connects with a short timeout and, for TLS targets,
// completes a handshake with certificate validation. Bounded concurrency, bounded count.
import { lookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { EgressProbe, EgressProbeTarget } from '../../policies/evidence.js';
import { bounded } from './redact.js';

export interface ProbeOptions {
  timeoutMs?: number;
  concurrency?: number;
  /** Extra trusted CA certificates (PEM) for TLS probes, e.g. the establishment's proxy CA. */
  ca?: string | string[];
  /** Name resolution (default: the system resolver, as applications use it). */
  resolve?: (host: string) => Promise<{ address: string }>;
}

export interface ParsedTarget {
  kind: 'tcp' | 'tls';
  host: string;
  port: number;
}

const MAX_TARGETS = 200;

/** `tcp://h:p`, `tls://h:p`, `https://h[:p][/...]` -> what to connect to; null if not one. */
export function parseProbeTarget(target: string): ParsedTarget | null {
  const match = /^(tcp|tls|https):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(\/.*)?$/.exec(target);
  if (!match) return null;
  const scheme = match[1];
  const host = (match[2] ?? '').replace(/^\[|\]$/g, '');
  const port = match[3] ? Number(match[3]) : scheme === 'https' ? 443 : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  if (scheme !== 'https' && match[4]) return null;
  return { kind: scheme === 'tcp' ? 'tcp' : 'tls', host, port };
}

export async function runEgressProbes(targets: readonly EgressProbeTarget[], options: ProbeOptions = {}): Promise<EgressProbe[]> {
  if (targets.length > MAX_TARGETS) throw new Error(`at most ${MAX_TARGETS} probe targets, got ${targets.length}`);
  const timeoutMs = Math.min(Math.max(options.timeoutMs ?? 3000, 100), 30_000);
  const concurrency = Math.min(Math.max(options.concurrency ?? 4, 1), 16);
  const results: EgressProbe[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index];
      if (target) results[index] = await probe(target, timeoutMs, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  return results;
}

type Outcome = Pick<EgressProbe, 'outcome' | 'detail'>;

async function probe(target: EgressProbeTarget, timeoutMs: number, options: ProbeOptions): Promise<EgressProbe> {
  const started = Date.now();
  const parsed = parseProbeTarget(target.target);
  const outcome: Outcome = parsed ? await attempt(parsed, timeoutMs, options) : { outcome: 'error', detail: 'invalid probe target' };
  return {
    target: bounded(target.target, 512),
    expectation: target.expectation,
    ...outcome,
    detail: outcome.detail === null ? null : bounded(outcome.detail, 300),
    duration_ms: Math.min(Date.now() - started, 600_000),
  };
}

async function attempt(target: ParsedTarget, timeoutMs: number, options: ProbeOptions): Promise<Outcome> {
  const deadline = Date.now() + timeoutMs;
  let address = target.host;
  if (isIP(target.host) === 0) {
    try {
      address = (await withTimeout((options.resolve ?? lookup)(target.host), timeoutMs)).address;
    } catch (error) {
      if (error instanceof TimeoutError) return { outcome: 'timeout', detail: `DNS lookup took longer than ${timeoutMs} ms` };
      return { outcome: 'dns_failure', detail: codeOf(error) };
    }
  }
  const remaining = Math.max(deadline - Date.now(), 1);
  const tcp = await connectTcp(address, target.port, remaining);
  if (!('socket' in tcp)) return tcp;
  if (target.kind === 'tcp') {
    tcp.socket.destroy();
    return { outcome: 'reachable', detail: null };
  }
  return handshake(tcp.socket, target.host, Math.max(deadline - Date.now(), 1), options.ca);
}

function connectTcp(address: string, port: number, timeoutMs: number): Promise<{ socket: Socket } | Outcome> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ outcome: 'timeout', detail: `no TCP answer within ${timeoutMs} ms` });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // Until the caller closes it or TLS takes it over, a late error must not crash the agent.
      socket.on('error', () => {});
      resolve({ socket });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(error.code === 'ECONNREFUSED' ? { outcome: 'refused', detail: 'ECONNREFUSED' } : { outcome: 'error', detail: codeOf(error) });
    });
    socket.connect(port, address);
  });
}

function handshake(socket: Socket, host: string, timeoutMs: number, ca: ProbeOptions['ca']): Promise<Outcome> {
  return new Promise((resolve) => {
    const options: ConnectionOptions = { socket, rejectUnauthorized: true, ALPNProtocols: ['http/1.1'] };
    if (isIP(host) === 0) options.servername = host;
    else options.host = host; // certificate checked against the IP address
    if (ca) options.ca = ca;
    const tls = tlsConnect(options);
    const done = (outcome: Outcome) => {
      clearTimeout(timer);
      tls.destroy();
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ outcome: 'timeout', detail: `TLS handshake took longer than ${timeoutMs} ms` }), timeoutMs);
    tls.once('secureConnect', () => done({ outcome: 'reachable', detail: `TLS ${tls.getProtocol() ?? ''}`.trim() }));
    tls.once('error', (error: NodeJS.ErrnoException) => done({ outcome: 'tls_failure', detail: `${error.code ?? 'error'}: ${error.message}` }));
  });
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function codeOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error instanceof Error ? error.message : String(error));
}
