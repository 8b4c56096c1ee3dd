// Child process of bench/ingestion.bench.ts: the server under load, in its own process so that
// autocannon (in the parent) does not share its event loop.
//   tsx bench/ingestion-target.ts bare
//   tsx bench/ingestion-target.ts vigie <hosts> [postgres-url]
// Prints one JSON line {url, hosts} once listening, then serves until SIGTERM (graceful close).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { REPORT_MAX_BYTES, Report } from '../policies/evidence.js';
import { createEnrollmentToken } from '../server/auth/tokens.js';
import { committerFor, configureIngestion } from '../server/ingestion/ingestion.js';
import { startServer } from '../server/start.js';

const MAX_HOSTS = 5000;
const [mode, hostsArg, databaseUrl] = process.argv.slice(2);
const OS = { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', arch: 'x64' } as const;

async function bare(): Promise<void> {
  // The same parsing and validation as Vigie's report route (TypeBox, strict schema, body limit).
  const app = Fastify({ bodyLimit: REPORT_MAX_BYTES, logger: false, onProtoPoisoning: 'error', onConstructorPoisoning: 'error' }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.post('/bare', { schema: { body: Report } }, async (_request, reply) => reply.status(204).send());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/bare`, hosts: [] }));
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

async function vigie(): Promise<void> {
  const count = Number(hostsArg);
  if (!(Number.isInteger(count) && count >= 1 && count <= MAX_HOSTS)) throw new Error(`hosts must be in [1, ${MAX_HOSTS}]`);
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-bench-ingestion-'));
  const server = await startServer(
    { dataDir, databaseUrl: databaseUrl ?? null, host: '127.0.0.1', port: 0, logLevel: 'warn' },
    { env: {} },
  );
  // VIGIE_BENCH_GROUP_COMMIT="maxBatch,maxWaitMs" tries other group-commit settings.
  const tuning = process.env.VIGIE_BENCH_GROUP_COMMIT?.split(',').map(Number);
  if (tuning !== undefined && tuning.length === 2) configureIngestion(server.db, { options: { maxBatch: tuning[0]!, maxWaitMs: tuning[1]! } });
  // Group-commit figures, told on stderr at the end (the metrics observer still gets every event).
  const sink = committerFor(server.db);
  const metrics = sink.observer;
  const batches = { count: 0, reports: 0, seconds: 0 };
  if (metrics !== null) {
    sink.observer = {
      ...metrics,
      batchCommitted(size, seconds) {
        batches.count += 1;
        batches.reports += size;
        batches.seconds += seconds;
        metrics.batchCommitted(size, seconds);
      },
    };
  }
  const hosts: Array<{ host_id: string; credential: string; site: string; role: string }> = [];
  for (let i = 0; i < count; i++) {
    const site = `ch-bench-${i % 10}`;
    const { token } = await createEnrollmentToken(server.db, { site, role: 'server' });
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/v1/enroll',
      payload: { token, hostname: `srv-${i}.bench.local`, os: OS, agent_version: '0.1.0' },
    });
    if (response.statusCode !== 201) throw new Error(`enrollment failed: ${response.body}`);
    hosts.push(response.json());
  }
  console.log(JSON.stringify({ url: `${server.url}/api/v1/reports`, hosts }));
  process.once('SIGTERM', () =>
    void server.close().then(() => {
      const mean = (total: number) => (batches.count === 0 ? 0 : total / batches.count);
      console.error(
        `    (server: ${batches.count} transactions, ${mean(batches.reports).toFixed(1)} reports and ` +
          `${(1000 * mean(batches.seconds)).toFixed(2)} ms each on average)`,
      );
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    }),
  );
}

await (mode === 'bare' ? bare() : vigie());
