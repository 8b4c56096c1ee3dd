// The SQLite ingestion thread: a GroupCommitter over its own connection to the server's file.
// Started by server/ingestion-thread.ts (through ingestion-worker-boot.mjs); see the protocol in
// server/ingestion-worker-protocol.ts. Migrations were applied by the server before it starts.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteFile } from './db/database.js';
import { ApiError } from './errors.js';
import { GroupCommitter } from './ingestion.js';
import type { FromWorker, ToWorker, WireError, WorkerInit } from './ingestion-worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('server/ingestion-worker.ts runs as a worker thread');
const init = workerData as WorkerInit;
const db = openSqliteFile(init.file);
const send = (message: FromWorker) => port.postMessage(message);

const wire = (error: unknown): WireError =>
  error instanceof ApiError
    ? { message: error.message, api: { statusCode: error.statusCode, code: error.code } }
    : { message: error instanceof Error ? error.message : String(error) };

const committer = new GroupCommitter(db, init.options, {
  batchCommitted: (size, seconds) => send({ kind: 'batch', size, seconds }),
  batchRetried: (size) => send({ kind: 'retried', size }),
  reportIngested: () => {}, // counted by the server thread when it answers
  databaseOperation: () => {},
});

port.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'submit':
      committer.submit(message.item).then(
        (result) => send({ kind: 'settled', id: message.id, result }),
        (error: unknown) => send({ kind: 'failed', id: message.id, error: wire(error) }),
      );
      break;
    case 'configure':
      committer.options = message.options;
      break;
    case 'drain':
      void committer
        .drain()
        .then(() => db.destroy())
        .finally(() => send({ kind: 'drained' }));
      break;
  }
});
