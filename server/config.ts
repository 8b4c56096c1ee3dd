// Server configuration: one TypeBox schema gives the type, the defaults and the validation.
// Sources, later ones winning: defaults, environment (VIGIE_*, DATABASE_URL), explicit input.
import { isIP } from 'node:net';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { REPORT_MAX_BYTES } from '../policies/evidence.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ServerConfigSchema = Type.Object(
  {
    /** Folder holding vigie.sqlite, the TLS material, the secrets key (by default) and audit reports. */
    dataDir: Type.String({ minLength: 1, maxLength: 4096 }),
    /** `postgres://...` selects PostgreSQL; null keeps the embedded SQLite file in dataDir. */
    databaseUrl: Type.Union([Type.String({ pattern: '^postgres(ql)?://', maxLength: 4096 }), Type.Null()]),
    host: Type.String({ minLength: 1, maxLength: 255 }),
    /** 0 asks the OS for a free port (tests). */
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** Largest accepted request body, in bytes; reports are bounded by REPORT_MAX_BYTES. */
    bodyLimit: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 }),
    logLevel: Type.Enum(LOG_LEVELS),
    /** Raw report bodies older than this are dropped; verdict history is kept for trends. */
    evidenceRetentionDays: Type.Integer({ minimum: 1, maximum: 3650 }),
    /** Plain HTTP on a non-loopback address must be asked for explicitly (agents would send credentials in clear). */
    allowInsecureHttp: Type.Boolean(),
    /**
     * PEM certificate (chain) and key served over HTTPS. Both or neither; when neither is given, the
     * server serves `<dataDir>/tls/server.crt` and `.key` if `vigie server init` made them.
     */
    tlsCertFile: Type.Union([Type.String({ minLength: 1, maxLength: 4096 }), Type.Null()]),
    tlsKeyFile: Type.Union([Type.String({ minLength: 1, maxLength: 4096 }), Type.Null()]),
    /** Reports accepted per agent (authenticated host) per minute; 0 disables the limit. */
    reportRateLimitPerMinute: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    /**
     * The 32-byte key that seals secrets stored in the database (server/secrets/secrets-key.ts). null means
     * `<dataDir>/secrets.key`, created at first start. A file given here must exist already: replicas
     * sharing one PostgreSQL database share this key, and a fresh one made by mistake would split them.
     */
    secretsKeyFile: Type.Union([Type.String({ minLength: 1, maxLength: 4096 }), Type.Null()]),
    /** A request (headers and body) must have arrived within this time, or it is answered 408 and closed. */
    requestTimeoutMs: Type.Integer({ minimum: 500, maximum: 3_600_000 }),
    /** The request line and headers must have arrived within this time (at most requestTimeoutMs). */
    headersTimeoutMs: Type.Integer({ minimum: 500, maximum: 3_600_000 }),
    /** Open connections allowed from one client address at once (server/http-limits.ts); 0: no limit. */
    maxConnectionsPerAddress: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);
export type ServerConfig = Static<typeof ServerConfigSchema>;
export type ServerConfigInput = Partial<ServerConfig>;

export const DEFAULT_CONFIG: ServerConfig = {
  dataDir: './vigie-data',
  databaseUrl: null,
  host: '127.0.0.1',
  port: 8443,
  bodyLimit: REPORT_MAX_BYTES,
  logLevel: 'info',
  evidenceRetentionDays: 400,
  allowInsecureHttp: false,
  tlsCertFile: null,
  tlsKeyFile: null,
  // An agent reports every few minutes; a backlog drained from its outbox stays well under this.
  reportRateLimitPerMinute: 120,
  secretsKeyFile: null,
  // The largest report (bodyLimit) arrives in seconds even over a slow site link; a body that
  // trickles in for longer is a slowloris, holding a connection and its buffers for nothing.
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  // Generous: a site's agents may all reach the server through one NAT or proxy address.
  maxConnectionsPerAddress: 256,
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const checkConfig = Compile(ServerConfigSchema);

/** The settings the environment may give (unset or empty variables are ignored). */
export function configFromEnv(env: NodeJS.ProcessEnv): ServerConfigInput {
  const input: Record<string, unknown> = {};
  const set = (key: keyof ServerConfig, value: string | undefined, asNumber = false) => {
    if (value === undefined || value === '') return;
    input[key] = asNumber && /^-?\d+$/.test(value) ? Number(value) : value;
  };
  set('dataDir', env.VIGIE_DATA_DIR);
  set('databaseUrl', env.DATABASE_URL);
  set('host', env.VIGIE_HOST);
  set('port', env.VIGIE_PORT, true);
  set('logLevel', env.VIGIE_LOG_LEVEL);
  set('tlsCertFile', env.VIGIE_TLS_CERT_FILE);
  set('tlsKeyFile', env.VIGIE_TLS_KEY_FILE);
  set('reportRateLimitPerMinute', env.VIGIE_REPORT_RATE_LIMIT_PER_MINUTE, true);
  set('secretsKeyFile', env.VIGIE_SECRETS_KEY_FILE);
  set('requestTimeoutMs', env.VIGIE_REQUEST_TIMEOUT_MS, true);
  set('headersTimeoutMs', env.VIGIE_HEADERS_TIMEOUT_MS, true);
  set('maxConnectionsPerAddress', env.VIGIE_MAX_CONNECTIONS_PER_ADDRESS, true);
  return input as ServerConfigInput;
}

/** Defaults < environment < input, then validated; a ConfigError names every bad field. */
export function resolveConfig(input: ServerConfigInput = {}, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const merged: unknown = { ...DEFAULT_CONFIG, ...configFromEnv(env), ...defined };
  if (!checkConfig.Check(merged)) {
    const problems = checkConfig
      .Errors(merged)
      .slice(0, 10)
      .map((e) => `${e.instancePath.slice(1) || 'config'}: ${e.message}`);
    throw new ConfigError(`Invalid server configuration: ${[...new Set(problems)].join('; ')}`);
  }
  if ((merged.tlsCertFile === null) !== (merged.tlsKeyFile === null)) {
    throw new ConfigError('Invalid server configuration: tlsCertFile and tlsKeyFile go together (give both or neither).');
  }
  if (merged.headersTimeoutMs > merged.requestTimeoutMs) {
    throw new ConfigError('Invalid server configuration: headersTimeoutMs cannot exceed requestTimeoutMs (the headers are part of the request).');
  }
  return merged;
}

/** Is `host` a loopback address (or the name localhost)? */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/**
 * Refuse plain HTTP beyond loopback unless explicitly allowed: agents' credentials would cross the
 * network in clear. `tls` says whether a certificate will be served.
 */
export function assertListenAllowed(config: ServerConfig, tls = false): void {
  if (tls || isLoopbackHost(config.host) || config.allowInsecureHttp) return;
  throw new ConfigError(
    `Refusing to listen on ${config.host} over plain HTTP: agent credentials and reports would cross the ` +
      'network unencrypted. Run `vigie server init --hostname <name>` (local CA and certificate) or set ' +
      'tlsCertFile/tlsKeyFile (VIGIE_TLS_CERT_FILE/VIGIE_TLS_KEY_FILE); or listen on 127.0.0.1 behind a TLS ' +
      'reverse proxy; or set allowInsecureHttp (--allow-insecure-http) knowingly.',
  );
}
