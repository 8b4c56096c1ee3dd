// Messages between the server and its SQLite ingestion thread (server/ingestion/ingestion-thread.ts and
// server/ingestion/ingestion-worker.ts). Everything in them survives structured cloning. Each postMessage
// carries an array of them, those of one event-loop turn (server/ingestion/message-batcher.ts).
import type { HostRole } from '../../policies/evidence.js';
import { futureAfter } from '../db/hosts.js';
import type { GroupCommitOptions, IngestionResult, PreparedReport } from './report-sink.js';

export interface WorkerInit {
  /** URL of server/ingestion-worker.(ts|js), which ingestion-worker-boot.mjs loads. */
  entry: string;
  file: string;
  options: GroupCommitOptions;
}

/**
 * A PreparedReport on its way to the worker: its values in a fixed order, each once. Cloning a
 * flat array of strings and numbers costs a fraction of cloning the nested objects (whose keys
 * are written out with every message), and this runs for every report.
 */
export type WireReport = [
  host_id: string,
  role: HostRole,
  site: string,
  credential_hash: string,
  report_id: string,
  collected_at: string,
  received_at: string,
  body: string,
  evaluated_at: string,
  pack_label: string,
  pack_fingerprint: string,
  statuses: string,
  pass: number,
  warn: number,
  fail: number,
  not_applicable: number,
  unknown: number,
  seen_at: string,
  hostname: string,
  os: string,
  agent_version: string,
];

export function toWire({ agent, row, verdicts, seen }: PreparedReport): WireReport {
  const { summary } = verdicts;
  return [
    agent.host_id,
    agent.role,
    agent.site,
    agent.credential_hash,
    row.report_id,
    row.collected_at,
    row.received_at,
    row.body,
    verdicts.evaluated_at,
    verdicts.pack_label,
    verdicts.pack_fingerprint,
    verdicts.statuses,
    summary.pass,
    summary.warn,
    summary.fail,
    summary.not_applicable,
    summary.unknown,
    seen.seen_at,
    seen.hostname,
    seen.os,
    seen.agent_version,
  ];
}

/** The PreparedReport sent (prepareReport gives its parts the same host, report id and collection time). */
export function fromWire(wire: WireReport): PreparedReport {
  const [
    host_id,
    role,
    site,
    credential_hash,
    report_id,
    collected_at,
    received_at,
    body,
    evaluated_at,
    pack_label,
    pack_fingerprint,
    statuses,
    pass,
    warn,
    fail,
    not_applicable,
    unknown,
    seen_at,
    hostname,
    os,
    agent_version,
  ] = wire;
  return {
    agent: { host_id, role, site, credential_hash },
    row: { report_id, host_id, collected_at, received_at, body },
    verdicts: {
      report_id,
      host_id,
      evaluated_at,
      pack_label,
      pack_fingerprint,
      statuses,
      summary: { pass, warn, fail, not_applicable, unknown },
    },
    seen: { host_id, report_id, collected_at, seen_at, hostname, os, agent_version, future_after: futureAfter(seen_at) },
  };
}

export type ToWorker =
  | { kind: 'submit'; id: number; report: WireReport }
  | { kind: 'configure'; options: GroupCommitOptions }
  | { kind: 'drain' };

/** An error as it crosses the thread boundary; an ApiError keeps its status and code. */
export interface WireError {
  message: string;
  api?: { statusCode: number; code: string };
}

export type FromWorker =
  | { kind: 'settled'; id: number; result: IngestionResult }
  | { kind: 'failed'; id: number; error: WireError }
  | { kind: 'batch'; size: number; seconds: number }
  | { kind: 'retried'; size: number };
