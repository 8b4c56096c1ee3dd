// Entry of the SQLite ingestion thread. Worker threads do not inherit the tsx loader the server
// runs under, so register it here when the worker's module is TypeScript, then load it.
import { workerData } from 'node:worker_threads';

const target = workerData.entry;
if (target.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(target);
