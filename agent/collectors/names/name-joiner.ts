// Joins outbound flows to the names the host resolved: a flow takes a name when an answer for
// that name contained the flow's address, was given before the flow was first seen, and (where
// the source records the process) went to the same process. Bounded: at most MAX_ADDRESSES
// addresses, MAX_NAMES_PER_ADDRESS answers each, answers older than the window are forgotten.
import type { NameConfidence, NameSource } from '../../../policies/evidence.js';
import { normaliseAddress, type NameObservation } from './name-observation.js';

const MAX_ADDRESSES = 50_000;
const MAX_NAMES_PER_ADDRESS = 8;

interface Answer {
  name: string;
  at: number | null;
  pid: number | null;
  source: NameSource;
}

export interface JoinedName {
  name: string;
  source: NameSource;
  confidence: NameConfidence;
}

export interface FlowToName {
  remote_address: string;
  pid: number | null;
  /** ISO time the flow was first seen. */
  first_seen: string;
}

export class NameJoiner {
  /** Answers by address; a Map keeps insertion order, so the oldest address is evicted first. */
  private readonly byAddress = new Map<string, Answer[]>();
  answersSeen = 0;

  constructor(private readonly windowMs = 24 * 3600_000) {}

  add(observation: NameObservation): void {
    this.answersSeen += 1;
    for (const raw of observation.addresses) {
      const address = normaliseAddress(raw);
      let answers = this.byAddress.get(address);
      if (answers === undefined) {
        if (this.byAddress.size >= MAX_ADDRESSES) {
          const oldest = this.byAddress.keys().next().value;
          if (oldest !== undefined) this.byAddress.delete(oldest);
        }
        answers = [];
      } else {
        // Re-inserted below, so a refreshed address moves to the young end.
        this.byAddress.delete(address);
      }
      const same = answers.findIndex((a) => a.name === observation.name && a.pid === observation.pid && a.source === observation.source);
      if (same >= 0) answers.splice(same, 1);
      answers.push({ name: observation.name, at: observation.at, pid: observation.pid, source: observation.source });
      if (answers.length > MAX_NAMES_PER_ADDRESS) answers.shift();
      this.byAddress.set(address, answers);
    }
  }

  /** Forgets answers given before `beforeMs` (cache snapshots, which carry no time, are kept). */
  prune(beforeMs: number): void {
    for (const [address, answers] of this.byAddress) {
      const kept = answers.filter((a) => a.at === null || a.at >= beforeMs);
      if (kept.length === 0) this.byAddress.delete(address);
      else if (kept.length !== answers.length) this.byAddress.set(address, kept);
    }
  }

  /** The name of a flow, or null when no answer fits. */
  join(flow: FlowToName): JoinedName | null {
    const answers = this.byAddress.get(normaliseAddress(flow.remote_address));
    if (answers === undefined) return null;
    const firstSeen = Date.parse(flow.first_seen);
    const timed = answers.filter((a) => a.at !== null && a.at <= firstSeen && a.at >= firstSeen - this.windowMs);
    if (timed.length > 0) {
      const latest = (list: Answer[]) => list.reduce((best, a) => ((a.at ?? 0) >= (best.at ?? 0) ? a : best));
      if (flow.pid !== null) {
        const sameProcess = timed.filter((a) => a.pid === flow.pid);
        if (sameProcess.length > 0) {
          const chosen = latest(sameProcess);
          const names = new Set(sameProcess.map((a) => a.name));
          return { name: chosen.name, source: chosen.source, confidence: names.size === 1 ? 'exact' : 'inferred' };
        }
      }
      const noPid = timed.every((a) => a.pid === null);
      const names = new Set(timed.map((a) => a.name));
      const chosen = latest(timed);
      return { name: chosen.name, source: chosen.source, confidence: noPid && names.size === 1 ? 'exact' : 'inferred' };
    }
    const cached = answers.filter((a) => a.at === null);
    const last = cached[cached.length - 1];
    return last ? { name: last.name, source: last.source, confidence: 'cache' } : null;
  }

  get size(): number {
    return this.byAddress.size;
  }
}
