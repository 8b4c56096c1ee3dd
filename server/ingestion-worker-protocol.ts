// Messages between the server and its SQLite ingestion thread (server/ingestion-thread.ts and
// server/ingestion-worker.ts). Everything in them survives structured cloning.
import type { GroupCommitOptions, IngestionResult, PreparedReport } from './ingestion.js';

export interface WorkerInit {
  /** URL of server/ingestion-worker.(ts|js), which ingestion-worker-boot.mjs loads. */
  entry: string;
  file: string;
  options: GroupCommitOptions;
}

export type ToWorker =
  | { kind: 'submit'; id: number; item: PreparedReport }
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
  | { kind: 'retried'; size: number }
  | { kind: 'drained' };
