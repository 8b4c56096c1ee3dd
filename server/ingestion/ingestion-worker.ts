// The SQLite ingestion thread: a GroupCommitter over its own connection to the server's file.
// Started by server/ingestion/ingestion-thread.ts (through ingestion-worker-boot.mjs); see the protocol in
// server/ingestion/ingestion-worker-protocol.ts. Migrations were applied by the server before it starts.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { kyselyOverSqlite, openSqliteConnection } from '../db/database.js';
import { ApiError } from '../errors.js';
import { GroupCommitter } from './ingestion.js';
import { SqliteReportWriter } from './ingestion-sqlite-writer.js';
import { fromWire, type FromWorker, type ToWorker, type WireError, type WorkerInit } from './ingestion-worker-protocol.js';
import { MessageBatcher } from './message-batcher.js';

function portToServer(): MessagePort {
  if (parentPort === null) throw new Error('server/ingestion/ingestion-worker.ts runs as a worker thread');
  return parentPort;
}

const port = portToServer();
const init = workerData as WorkerInit;
const sqlite = openSqliteConnection(init.file);
const db = kyselyOverSqlite(sqlite);
const outbox = new MessageBatcher<FromWorker>((messages) => port.postMessage(messages));
const send = (message: FromWorker) => outbox.push(message);

const wire = (error: unknown): WireError =>
  error instanceof ApiError
    ? { message: error.message, api: { statusCode: error.statusCode, code: error.code } }
    : { message: error instanceof Error ? error.message : String(error) };

const committer = new GroupCommitter(new SqliteReportWriter(db, sqlite), init.options, {
  batchCommitted: (size, seconds) => send({ kind: 'batch', size, seconds }),
  batchRetried: (size) => send({ kind: 'retried', size }),
  reportIngested: () => {}, // counted by the server thread when it answers
  databaseOperation: () => {},
});

function received(message: ToWorker): void {
  switch (message.kind) {
    case 'submit':
      committer.submit(fromWire(message.report)).then(
        (result) => send({ kind: 'settled', id: message.id, result }),
        (error: unknown) => send({ kind: 'failed', id: message.id, error: wire(error) }),
      );
      break;
    case 'configure':
      committer.options = message.options;
      break;
    case 'drain':
      // Write what is queued, answer it, then let the thread end: closing the port leaves its
      // event loop empty (and a profiler, if any, writes its profile).
      void committer
        .drain()
        .then(() => db.destroy())
        .finally(() => {
          outbox.flush();
          port.close();
        });
      break;
  }
}

port.on('message', (messages: ToWorker[]) => {
  for (const message of messages) received(message);
});
