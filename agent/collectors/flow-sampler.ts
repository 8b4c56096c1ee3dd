// Outbound flows over the window between two reports. One snapshot at report time misses
// every short connection, so a cheap sampler reads the socket table every `intervalMs`
// (a few hundred microseconds: four small /proc files; the /proc/<pid>/fd scan runs only for
// sockets not seen before) and merges the samples into flows with first/last seen.
import { NAME_RESOLUTION_VERSION, type NameResolution, type OutboundFlow, type OutboundObservation, type Unavailable } from '../../policies/evidence.js';
import { NameJoiner } from './names/name-joiner.js';
import type { NameSources } from './names/name-sources.js';
import { flowKey, isOutboundFlow } from './flow-key.js';
import type { WindowsSockets } from './parse-windows-sockets.js';
import { bounded } from './redact.js';
import { findSocketOwners, readKernelSockets, type SocketOwner } from './socket-table.js';

const MAX_FLOWS = 5000;
const MIN_INTERVAL_MS = 1000;
const MAX_INTERVAL_MS = 3600_000;

/** The merged view of the samples of one window. Pure data, so merging is a pure function. */
export interface FlowWindow {
  window_start: string;
  window_end: string;
  samples: number;
  failed_samples: number;
  last_failure: string | null;
  flows: Map<string, OutboundFlow>;
  /** Set when more than MAX_FLOWS distinct flows were seen: the list would be incomplete. */
  overflow: boolean;
}

export function emptyWindow(at: string): FlowWindow {
  return { window_start: at, window_end: at, samples: 0, failed_samples: 0, last_failure: null, flows: new Map(), overflow: false };
}

/** Adds one sample's flows (each seen at `at`) to the window. */
export function mergeSample(window: FlowWindow, flows: readonly Omit<OutboundFlow, 'first_seen' | 'last_seen'>[], at: string): void {
  window.samples += 1;
  window.window_end = at;
  for (const flow of flows) {
    const key = flowKey(flow);
    const known = window.flows.get(key);
    if (known) {
      known.last_seen = at;
      continue;
    }
    if (window.flows.size >= MAX_FLOWS) {
      window.overflow = true;
      continue;
    }
    window.flows.set(key, { ...flow, first_seen: at, last_seen: at });
  }
}

export function recordFailure(window: FlowWindow, reason: string, at: string): void {
  window.failed_samples += 1;
  window.last_failure = reason;
  window.window_end = at;
}

/** The evidence for a window; never a partial list presented as complete. */
export function observationOf(window: FlowWindow, intervalMs: number, table = 'socket table (/proc/net)'): OutboundObservation | Unavailable {
  if (window.samples === 0) {
    return { unavailable: bounded(`no successful socket-table sample in the window: ${window.last_failure ?? 'sampler not run'}`, 500) };
  }
  if (window.overflow) {
    return { unavailable: `more than ${MAX_FLOWS} distinct outbound flows in the window: list would be incomplete` };
  }
  const failed = window.failed_samples > 0 ? `, ${window.failed_samples} failed sample(s)` : '';
  return {
    method: bounded(`${table} sampled every ${Math.round(intervalMs / 1000)} s${failed}; flows shorter than the interval can be missed`, 200),
    window_start: window.window_start,
    window_end: window.window_end,
    samples: Math.min(window.samples, 1_000_000),
    flows: [...window.flows.values()],
  };
}

export interface FlowSamplerOptions {
  intervalMs?: number;
  /** How far back a report's outbound observation reaches (rolling). */
  windowMs?: number;
  procRoot?: string;
  now?: () => Date;
  /** Where names come from (dnsmasq log, resolved monitor...); without it flows stay unnamed. */
  names?: NameSources;
  /** Windows: the socket table through PowerShell (asynchronous); without it, /proc on Linux. */
  readSockets?: () => Promise<WindowsSockets>;
}

/** Names each flow of the window from the joiner (a flow keeps no name the joiner cannot give). */
export function nameFlows(flows: Iterable<OutboundFlow>, joiner: NameJoiner): NameResolution['flows_named'] {
  const counts = { exact: 0, inferred: 0, cache: 0, unnamed: 0 };
  for (const flow of flows) {
    const joined = joiner.join(flow);
    if (joined === null) {
      counts.unnamed += 1;
      continue;
    }
    flow.remote_fqdn = joined.name;
    flow.remote_fqdn_source = joined.source;
    flow.remote_fqdn_confidence = joined.confidence;
    counts[joined.confidence] += 1;
  }
  return counts;
}

export class FlowSampler {
  readonly intervalMs: number;
  readonly windowMs: number;
  private readonly procRoot: string;
  private readonly now: () => Date;
  private window: FlowWindow;
  private timer: NodeJS.Timeout | null = null;
  /** Owners of sockets seen in the previous sample: an inode is unique while its socket lives. */
  private owners = new Map<number, SocketOwner>();
  private readonly names: NameSources | null;
  private readonly joiner: NameJoiner;
  private flowsNamed: NameResolution['flows_named'] | null = null;
  private readonly readSockets: (() => Promise<WindowsSockets>) | null;
  /** Windows: the listeners of the last successful sample (the same PowerShell call gives both). */
  lastListeners: WindowsSockets['listeners'] | null = null;

  constructor(options: FlowSamplerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 60_000;
    if (!Number.isInteger(this.intervalMs) || this.intervalMs < MIN_INTERVAL_MS || this.intervalMs > MAX_INTERVAL_MS) {
      throw new RangeError(`intervalMs must be an integer in ${MIN_INTERVAL_MS}..${MAX_INTERVAL_MS}`);
    }
    this.procRoot = options.procRoot ?? '/proc';
    this.windowMs = options.windowMs ?? 24 * 3600_000;
    this.now = options.now ?? (() => new Date());
    this.window = emptyWindow(this.now().toISOString());
    this.names = options.names ?? null;
    this.joiner = new NameJoiner(this.windowMs);
    this.readSockets = options.readSockets ?? null;
  }

  /** Samples now and then every interval, without keeping the process alive. */
  start(): void {
    if (this.timer) return;
    const tick = () => (this.readSockets === null ? this.sample() : void this.sampleAsync());
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.names?.stop();
  }

  /** Reads the answers the name sources gained (before the sockets, so a new flow finds its name). */
  private pollNames(now: Date): void {
    if (this.names === null) return;
    for (const observation of this.names.poll(now)) this.joiner.add(observation);
  }

  /** Takes one sample of the socket table into the current window. */
  sample(): void {
    const nowDate = this.now();
    const at = nowDate.toISOString();
    this.pollNames(nowDate);
    try {
      const sockets = readKernelSockets(this.procRoot).filter(isOutboundFlow);
      const live = new Set(sockets.map((s) => s.inode).filter((inode) => inode > 0));
      const unknown = new Set([...live].filter((inode) => !this.owners.has(inode)));
      const found = findSocketOwners(this.procRoot, unknown);
      const owners = new Map<number, SocketOwner>();
      for (const inode of live) {
        const owner = this.owners.get(inode) ?? found.get(inode);
        if (owner) owners.set(inode, owner);
      }
      this.owners = owners;
      mergeSample(
        this.window,
        sockets.map((s) => {
          const owner = owners.get(s.inode);
          return { protocol: s.protocol, remote_address: s.remote_address, remote_port: s.remote_port, remote_fqdn: null, process: owner?.process ?? null, pid: owner?.pid ?? null };
        }),
        at,
      );
    } catch (error) {
      recordFailure(this.window, (error as Error).message, at);
    }
  }

  /** One sample through the asynchronous socket reader (Windows); the synchronous one otherwise. */
  async sampleAsync(): Promise<void> {
    if (this.readSockets === null) return this.sample();
    const nowDate = this.now();
    const at = nowDate.toISOString();
    this.pollNames(nowDate);
    try {
      const sockets = await this.readSockets();
      this.lastListeners = sockets.listeners;
      mergeSample(this.window, sockets.flows, at);
    } catch (error) {
      recordFailure(this.window, (error as Error).message, at);
    }
  }

  /**
   * Takes a last sample and returns the observation of the rolling window: every flow seen in
   * the last `windowMs` (24 h by default, the span NET-01 asks for), so each report covers a
   * full day once the agent has run that long, not just the time since the previous report.
   */
  drain(): OutboundObservation | Unavailable {
    this.sample();
    return this.finish();
  }

  /** drain() through the asynchronous socket reader (Windows). */
  async drainAsync(): Promise<OutboundObservation | Unavailable> {
    await this.sampleAsync();
    return this.finish();
  }

  private finish(): OutboundObservation | Unavailable {
    const end = Date.parse(this.window.window_end);
    const start = new Date(Math.max(Date.parse(this.window.window_start), end - this.windowMs)).toISOString();
    if (start !== this.window.window_start) {
      for (const [key, flow] of this.window.flows) if (flow.last_seen < start) this.window.flows.delete(key);
      this.window.window_start = start;
      this.window.samples = Math.min(this.window.samples, Math.ceil(this.windowMs / this.intervalMs));
      this.window.overflow = this.window.overflow && this.window.flows.size >= MAX_FLOWS;
      this.joiner.prune(Date.parse(start) - this.windowMs);
    }
    this.flowsNamed = nameFlows(this.window.flows.values(), this.joiner);
    return observationOf(this.window, this.intervalMs, this.readSockets === null ? undefined : 'Get-NetTCPConnection (PowerShell JSON; TCP only)');
  }

  /** The name sources' states and how many flows of the last drain got a name; call after drain(). */
  nameResolution(): NameResolution | Unavailable {
    if (this.names === null) return { unavailable: 'no name source configured for the flow sampler' };
    const counts = this.flowsNamed ?? { exact: 0, inferred: 0, cache: 0, unnamed: this.window.flows.size };
    const states = this.names.states();
    if (states.every((s) => s.state === 'unavailable')) {
      return { unavailable: bounded(`no name source on this host: ${states.map((s) => `${s.source}: ${s.state === 'unavailable' ? s.reason : ''}`).join('; ')}`, 500) };
    }
    return { version: NAME_RESOLUTION_VERSION, sources: states, flows_named: counts };
  }
}
