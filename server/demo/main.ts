// The main job, as a demo: start Vigie on 127.0.0.1 with the embedded SQLite database,
// enrol a real agent on this machine, enrol a simulated GHT fleet through the real HTTP
// API, then print what was judged, per site and rule.
//   npm run demo [-- --lang en] [-- --exit] [-- --port 8443] [-- --data-dir DIR]
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { HostRole, Report } from '../../policies/evidence.js';
import type { Verdict } from '../../policies/verdict.js';
import { createApiToken, createEnrollmentToken } from '../auth/tokens.js';
import { startServer } from '../start.js';
import { DEMO_SITES, simulatedFleet } from './fleet.js';
import { renderSummary, type JudgedHost, type Lang } from './summary.js';
import { loadShippedPacks } from '../../policies/pack.js';
import { loadSiteOverlays } from '../app.js';
import { runAudit } from '../audit/run.js';
import { trendDay } from '../db/trends.js';
import { demoRssiLogin } from './dashboard-login.js';
import { seedTrendHistory } from './trend-history.js';
import { dashboardText, HISTORY_DAYS } from './dashboard-text.js';
import { accessDemoText, seedAccessDemo } from './access.js';
import { openSecretsKey } from '../secrets/secrets-key.js';
import { demoDestinations } from './inventory.js';
import { auditConfigOf } from '../audit/config.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LOCAL_SITE = 'chi-vallee';
const LOCAL_ROLE: HostRole = 'server';
const CONCURRENCY = 8;

const TEXT = {
  fr: {
    start: (url: string, dir: string) => `Vigie démarré sur ${url} (données SQLite dans ${dir})`,
    local: 'Enrôlement de l’agent local (cette machine, rôle serveur, site chi-vallee)…',
    localDone: (code: number) => (code === 0 ? 'Agent local : rapport envoyé et jugé.' : `Agent local : échec (code ${code}), voir ci-dessus.`),
    fleet: (n: number) => `Enrôlement et rapports de ${n} hôtes simulés du GHT (API HTTP réelle)…`,
    listening: (url: string) => `Serveur à l’écoute sur ${url} — Ctrl+C pour arrêter.`,
    api: (token: string) => `Jeton API de lecture (démo) : ${token}\n  curl -H "Authorization: Bearer ${token}" URL/api/v1/hosts`,
    simulated: 'Hôtes simulés : leurs preuves sont générées, pas collectées ; seul l’hôte local est observé pour de vrai.',
    destinations: (n: number, lines: number, mapped: number, learning: string | null, proposals: number) =>
      `Destinations : ${n} dans l’inventaire (avec ${lines} lignes du journal du proxy, dont ${mapped} attribuées aux postes qui les ont faites), apprentissage ${learning ?? 'non ouvert'}, ${proposals} propositions à examiner (page /destinations).`,
  },
  en: {
    start: (url: string, dir: string) => `Vigie started on ${url} (SQLite data in ${dir})`,
    local: 'Enrolling the local agent (this machine, role server, site chi-vallee)…',
    localDone: (code: number) => (code === 0 ? 'Local agent: report sent and judged.' : `Local agent: failed (exit ${code}), see above.`),
    fleet: (n: number) => `Enrolling and reporting ${n} simulated GHT hosts (real HTTP API)…`,
    listening: (url: string) => `Server listening on ${url} — Ctrl+C to stop.`,
    api: (token: string) => `Read-only API token (demo): ${token}\n  curl -H "Authorization: Bearer ${token}" URL/api/v1/hosts`,
    simulated: 'Simulated hosts: their evidence is generated, not collected; only the local host is really observed.',
    destinations: (n: number, lines: number, mapped: number, learning: string | null, proposals: number) =>
      `Destinations: ${n} in the inventory (with ${lines} proxy log lines, ${mapped} of them attributed to the hosts that made them), learning ${learning ?? 'not opened'}, ${proposals} proposals to review (page /destinations).`,
  },
} as const;

function runAgent(args: string[]): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/vigie-agent.mjs'), ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, VIGIE_LOG_LEVEL: 'warn' },
    });
    child.on('close', (code) => done(code ?? 1));
  });
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function getJson<T>(url: string, token: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Runs tasks with at most `limit` in flight, keeping the HTTP load gentle and bounded. */
async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(task));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      lang: { type: 'string', default: 'fr' },
      port: { type: 'string', default: '8443' },
      'data-dir': { type: 'string', default: join(ROOT, 'vigie-data', 'demo') },
      exit: { type: 'boolean', default: false },
    },
  });
  if (values.lang !== 'fr' && values.lang !== 'en') throw new Error('--lang must be fr or en');
  const lang: Lang = values.lang;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be an integer between 0 and 65535');
  const t = TEXT[lang];
  const dataDir = resolve(values['data-dir']);

  // The demo owns its data directory: start from a clean fleet each time.
  rmSync(dataDir, { recursive: true, force: true });
  // The demo sites' overlays (what each RSSI declared), loaded by the server from <dataDir>/overlays/.
  const overlaysDir = join(ROOT, 'server', 'demo', 'overlays');
  mkdirSync(join(dataDir, 'overlays'), { recursive: true, mode: 0o700 }); // the data folder must be private
  for (const name of readdirSync(overlaysDir).filter((n) => n.endsWith('.yaml'))) copyFileSync(join(overlaysDir, name), join(dataDir, 'overlays', name));
  const server = await startServer({ dataDir, host: '127.0.0.1', port, logLevel: 'warn' });
  console.log(t.start(server.url, dataDir));

  console.log(t.local);
  const localToken = await createEnrollmentToken(server.db, { site: LOCAL_SITE, role: LOCAL_ROLE, ttlHours: 1 });
  const stateDir = join(dataDir, 'local-agent');
  let code = await runAgent(['enroll', '--server', server.url, '--token', localToken.token, '--state-dir', stateDir]);
  if (code === 0) code = await runAgent(['run', '--once', '--state-dir', stateDir]);
  console.log(t.localDone(code));

  const fleet = simulatedFleet();
  console.log(t.fleet(fleet.length));
  const now = new Date();
  await inBatches(fleet, CONCURRENCY, async (host) => {
    const { token } = await createEnrollmentToken(server.db, { site: host.identity.site, role: host.identity.role, ttlHours: 1 });
    const enrolled = await postJson(`${server.url}/api/v1/enroll`, {
      token,
      hostname: host.identity.hostname,
      os: host.identity.os,
      agent_version: '0.1.0-simulated',
    });
    if (enrolled.status !== 201) throw new Error(`enrolment of ${host.identity.hostname} refused: ${JSON.stringify(enrolled.json)}`);
    const { host_id, credential } = enrolled.json as { host_id: string; credential: string };
    const report: Report = host.report(host_id, now);
    const sent = await postJson(`${server.url}/api/v1/reports`, report, { authorization: `Bearer ${credential}` });
    if (sent.status !== 201) throw new Error(`report of ${host.identity.hostname} refused: ${JSON.stringify(sent.json)}`);
  });

  // Tonight's audit, run now (real verdicts), and the simulated 90 days before it for the trends.
  const packs = loadShippedPacks();
  // Vendors, devices behind the gateways and requests in every state, before the audit judges them.
  const access = await seedAccessDemo({ db: server.db, secretsKey: openSecretsKey(server.config), packs, overlays: loadSiteOverlays(dataDir, packs), log: server.app.log }, new Date());
  await runAudit(server.db, { packs, overlays: loadSiteOverlays(dataDir, packs), now: new Date(), trigger: 'manual', scheduledFor: null, actor: { type: 'cli', id: 'demo' } });
  await seedTrendHistory(server.db, trendDay(new Date()), { days: HISTORY_DAYS });
  const login = await demoRssiLogin(server.app, server.db, () => new Date());
  const destinations = await demoDestinations(server.db, dataDir, now, auditConfigOf(server.config).timezone);

  const apiToken = await createApiToken(server.db, { name: 'demo', ttlDays: 1 });
  const { hosts } = await getJson<{ hosts: Array<{ host_id: string; hostname: string; site: string; role: string }> }>(
    `${server.url}/api/v1/hosts`,
    apiToken.token,
  );
  const judged: JudgedHost[] = [];
  for (const host of hosts) {
    const { verdicts } = await getJson<{ verdicts: Verdict[] }>(`${server.url}/api/v1/hosts/${host.host_id}/verdicts`, apiToken.token);
    judged.push({ ...host, verdicts });
  }
  const siteNames = new Map(DEMO_SITES.map((s) => [s.id, s.name]));
  console.log('');
  console.log(renderSummary(judged, siteNames, lang));
  console.log('');
  console.log(t.simulated);
  console.log(t.destinations(destinations.destinations, destinations.proxyLines, destinations.proxyMapped, destinations.learning, destinations.proposals));
  console.log(t.api(apiToken.token).replace('URL', server.url));
  console.log('');
  console.log(await dashboardText(lang, server.url, login));
  console.log('');
  console.log(accessDemoText(access, lang, server.url, dataDir));
  if (values.exit) {
    await server.close();
    return;
  }
  console.log(t.listening(server.url));
  await new Promise<void>((stop) => {
    process.once('SIGINT', () => stop());
    process.once('SIGTERM', () => stop());
  });
  await server.close();
}

main().catch((error: unknown) => {
  console.error(`vigie demo: ${(error as Error).message}`);
  process.exitCode = 1;
});
