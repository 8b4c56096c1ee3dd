// startServer: resolve the configuration, open the secrets key and the (migrated) database, seal any
// TOTP secret still in clear, listen, and hand back a close() that stops accepting requests, lets
// in-flight ones commit, then closes the database.
import type { FastifyBaseLogger } from 'fastify';
import { loadShippedPacks, type Pack, type SiteOverlay } from '../policies/pack.js';
import { buildApp, loadSiteOverlays, type App } from './app.js';
import { assertListenAllowed, resolveConfig, type ServerConfig, type ServerConfigInput } from './config.js';
import { openDatabase } from './db/database.js';
import type { Database } from './db/schema.js';
import { INVENTORY_FEED_SCHEDULE, INVENTORY_NIGHTLY_SCHEDULE, startInventoryJobs } from './inventory/jobs.js';
import { drainIngestion } from './ingestion/ingestion.js';
import { applyEvidenceRetention, scheduleEvidenceRetention } from './ingestion/retention.js';
import { startServerAudits } from './audit/scheduler.js';
import { checkStoredTotpSecrets } from './auth/totp-secrets-at-start.js';
import { openSecretsKey } from './secrets/secrets-key.js';
import { loadTlsMaterial, type TlsMaterial } from './tls.js';
import { launchBastion, prepareBastion, type ServerBastionOptions } from './bastion/server-bastion.js';
import type { RunningBastion } from './bastion/bastion-server.js';
import type { BastionAuthority } from './bastion/authority.js';
import { startAccessClock } from './access/access-clock.js';
import { createAccessNotifier } from './access/notify-access.js';
import { accessNotifyConfigFromEnv } from './access/notify-config.js';

export interface StartOptions {
  logger?: FastifyBaseLogger;
  packs?: Map<string, Pack>;
  now?: () => Date;
  /** Environment used to resolve the configuration (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The SSH bastion (server/bastion/); absent or disabled: no SSH listener (the CLI turns it on). */
  ssh?: ServerBastionOptions & { authority?: BastionAuthority };
  /** node-cron schedule of the access clock (server/access/access-clock.ts); tests run it every second. */
  accessClockSchedule?: string;
  /** The inventory feed's cron schedule (default every minute; tests run it every second). */
  inventoryFeedSchedule?: string;
}

export interface RunningServer {
  /** e.g. https://127.0.0.1:8443 (the actual port when 0 was asked); http:// without TLS. */
  url: string;
  /** The served certificate's fingerprint (server/tls.ts certificateFingerprint), null over plain HTTP. */
  tlsFingerprint: string | null;
  app: App;
  db: Database;
  config: ServerConfig;
  /** The SSH bastion when started (null with --no-ssh). */
  bastion: RunningBastion | null;
  close(): Promise<void>;
}

export async function startServer(input: ServerConfigInput = {}, options: StartOptions = {}): Promise<RunningServer> {
  const config = resolveConfig(input, options.env);
  // HTTPS when a certificate is configured or `vigie server init` made one in the data dir.
  const tls: TlsMaterial | null = loadTlsMaterial(config);
  assertListenAllowed(config, tls !== null);
  // Before the database: a missing or unsafe key file stops the server with nothing opened.
  const secretsKey = openSecretsKey(config);
  // Likewise the bastion's keys: a missing or unsafe one stops the start before anything listens.
  const bastionPrep = options.ssh === undefined ? null : prepareBastion(config, options.ssh, options.env ?? process.env);
  // Access notices' channels (VIGIE_ACCESS_*): a bad setting stops the start here, before anything opens.
  const accessChannels = accessNotifyConfigFromEnv(options.env ?? process.env);
  const db = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const now = options.now ?? (() => new Date());
  let app: App | undefined;
  let bastion: RunningBastion | null = null;
  // Packs and site overlays are read once and shared by ingestion and the nightly audit.
  let packs: Map<string, Pack>;
  let overlays: ReadonlyMap<string, SiteOverlay>;
  let accessNotifier: ReturnType<typeof createAccessNotifier> | undefined;
  try {
    packs = options.packs ?? loadShippedPacks();
    overlays = loadSiteOverlays(config.dataDir, packs);
    // The log is the app's; it exists once buildApp ran, and notices only leave after requests.
    const log = { current: undefined as App['log'] | undefined };
    accessNotifier = createAccessNotifier({
      db,
      config: accessChannels,
      now,
      log: { error: (details, message) => log.current?.error(details, message) },
    });
    app = buildApp({
      accessNotifier,
      db,
      config,
      now,
      packs,
      overlays,
      secretsKey,
      ...(bastionPrep === null ? {} : { bastion: bastionPrep.routeDeps }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(tls === null ? {} : { https: { cert: tls.cert, key: tls.key } }),
    });
    log.current = app.log;
    // Before listening, so no login ever reads a secret in clear.
    await checkStoredTotpSecrets(db, secretsKey, app.log, now());
    await app.listen({ host: config.host, port: config.port });
    if (bastionPrep !== null) {
      bastion = await launchBastion(bastionPrep, {
        db, secretsKey, log: app.log, now, packs, overlays, ...(options.ssh?.authority === undefined ? {} : { authority: options.ssh.authority }),
      });
    }
  } catch (error) {
    await bastion?.close();
    await app?.close();
    await db.destroy();
    throw error;
  }
  const pruned = await applyEvidenceRetention(db, config, now());
  if (pruned > 0) app.log.info({ pruned }, 'evidence retention applied');
  const retention = scheduleEvidenceRetention(db, config, app.log, now);
  const audits = startServerAudits({ db, config, log: app.log, now, packs, overlays, env: options.env });
  // Review deadlines and window ends: what came due while the server was down moves before start returns.
  const notifier = accessNotifier!;
  const accessClock = startAccessClock({ db, packs, overlays, secretsKey, log: app.log, notifier }, now, options.accessClockSchedule);
  await accessClock.ready;
  // The inventory's feed (every minute) and nightly job (retention, verdicts, proposals), caught up now.
  const inventoryJobs = startInventoryJobs({ db, packs, overlays, log: app.log, now, dataDir: config.dataDir }, { feed: options.inventoryFeedSchedule ?? INVENTORY_FEED_SCHEDULE, nightly: INVENTORY_NIGHTLY_SCHEDULE });
  await inventoryJobs.ready;
  const listening = app;

  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await audits.stop();
      await accessClock.stop();
      await inventoryJobs.stop();
      await retention.destroy();
      // Live sessions end with reason server_stopped, sealed, before the database closes.
      await bastion?.close();
      // Stops accepting, lets in-flight requests finish (their commits included: onClose drains too).
      await listening.close();
      await drainIngestion(db);
      // Notices of the last transitions go out (each channel has its timeout) before the database closes.
      await notifier.close();
      await db.destroy();
    })();
    return closing;
  };
  const scheme = tls === null ? 'http' : 'https';
  return { url: `${scheme}://${host}:${port}`, tlsFingerprint: tls?.fingerprint ?? null, app, db, config, bastion, close };
}
