// Settings of the nightly audit and its notifications. Sources, later ones winning: defaults,
// environment (VIGIE_AUDIT_*), the server configuration's `audit` object when it has one.
import cron from 'node-cron';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { ConfigError } from '../config.js';

const strict = { additionalProperties: false } as const;

export const WebhookConfigSchema = Type.Object(
  {
    /** http(s) URL receiving the JSON summary. */
    url: Type.String({ pattern: '^https?://', maxLength: 2048 }),
    /** HMAC-SHA256 key; the receiver checks X-Vigie-Signature with it. */
    secret: Type.String({ minLength: 16, maxLength: 1024 }),
    maxAttempts: Type.Integer({ minimum: 1, maximum: 10 }),
    /** First retry delay; doubled each time, capped at 5 minutes. */
    initialBackoffMs: Type.Integer({ minimum: 1, maximum: 300_000 }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000 }),
  },
  strict,
);
export type WebhookConfig = Static<typeof WebhookConfigSchema>;

export const SyslogConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 255 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    transport: Type.Union([Type.Literal('udp'), Type.Literal('tcp')]),
    /** Syslog facility number (16 = local0). */
    facility: Type.Integer({ minimum: 0, maximum: 23 }),
    /** Private enterprise number of the structured data id (32473: the documentation PEN of RFC 5612). */
    enterpriseId: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000 }),
  },
  strict,
);
export type SyslogConfig = Static<typeof SyslogConfigSchema>;

export const AuditConfigSchema = Type.Object(
  {
    /** false: no schedule, no catch-up (`vigie audit run` still works). */
    enabled: Type.Boolean(),
    /** 5-field cron expression (minute hour day month weekday). */
    schedule: Type.String({ minLength: 9, maxLength: 100 }),
    timezone: Type.String({ minLength: 1, maxLength: 64 }),
    /** Audits older than this are deleted (the latest is always kept). */
    retentionDays: Type.Integer({ minimum: 1, maximum: 3650 }),
    /** Lease of the SQLite job lock; renewed while a run lasts. */
    lockLeaseSeconds: Type.Integer({ minimum: 10, maximum: 86_400 }),
    webhook: Type.Union([WebhookConfigSchema, Type.Null()]),
    syslog: Type.Union([SyslogConfigSchema, Type.Null()]),
  },
  strict,
);
export type AuditConfig = Static<typeof AuditConfigSchema>;

export const DEFAULT_AUDIT_CONFIG: AuditConfig = {
  enabled: true,
  schedule: '0 2 * * *',
  timezone: 'Europe/Paris',
  retentionDays: 400,
  lockLeaseSeconds: 900,
  webhook: null,
  syslog: null,
};

export const WEBHOOK_DEFAULTS = { maxAttempts: 5, initialBackoffMs: 1000, timeoutMs: 10_000 } as const;
export const SYSLOG_DEFAULTS = { facility: 16, enterpriseId: 32473, timeoutMs: 5000 } as const;

/** What a configuration may give: every field optional, channels partially. */
export interface AuditConfigInput {
  enabled?: boolean;
  schedule?: string;
  timezone?: string;
  retentionDays?: number;
  lockLeaseSeconds?: number;
  webhook?: (Partial<WebhookConfig> & { url: string; secret: string }) | null;
  syslog?: (Partial<SyslogConfig> & { host: string; port: number; transport: 'udp' | 'tcp' }) | null;
}

const check = Compile(AuditConfigSchema);

/** `udp://host:514` or `tcp://host:601` (IPv6 in brackets). */
function syslogFromUrl(value: string): AuditConfigInput['syslog'] {
  const match = /^(udp|tcp):\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(value);
  if (match === null) throw new ConfigError(`VIGIE_AUDIT_SYSLOG "${value}": expected udp://HOST:PORT or tcp://HOST:PORT`);
  return { transport: match[1] as 'udp' | 'tcp', host: match[2]!.replace(/^\[|\]$/g, ''), port: Number(match[3]) };
}

export function auditConfigFromEnv(env: NodeJS.ProcessEnv): AuditConfigInput {
  const input: AuditConfigInput = {};
  const set = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  const schedule = set(env.VIGIE_AUDIT_SCHEDULE);
  if (schedule !== undefined) input.schedule = schedule;
  const timezone = set(env.VIGIE_AUDIT_TIMEZONE);
  if (timezone !== undefined) input.timezone = timezone;
  const retention = set(env.VIGIE_AUDIT_RETENTION_DAYS);
  if (retention !== undefined) input.retentionDays = Number(retention);
  const enabled = set(env.VIGIE_AUDIT_ENABLED);
  if (enabled !== undefined) input.enabled = enabled !== 'false' && enabled !== '0';
  const url = set(env.VIGIE_AUDIT_WEBHOOK_URL);
  const secret = set(env.VIGIE_AUDIT_WEBHOOK_SECRET);
  if (url !== undefined) input.webhook = { url, secret: secret ?? '' };
  const syslog = set(env.VIGIE_AUDIT_SYSLOG);
  if (syslog !== undefined) input.syslog = syslogFromUrl(syslog);
  return input;
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Defaults < environment < input, validated; a ConfigError names what is wrong. */
export function resolveAuditConfig(input: AuditConfigInput | undefined = {}, env: NodeJS.ProcessEnv = process.env): AuditConfig {
  const fromEnv = auditConfigFromEnv(env);
  const defined = Object.fromEntries(Object.entries(input ?? {}).filter(([, v]) => v !== undefined)) as AuditConfigInput;
  const merged = { ...DEFAULT_AUDIT_CONFIG, ...fromEnv, ...defined };
  const candidate: unknown = {
    ...merged,
    webhook: merged.webhook ? { ...WEBHOOK_DEFAULTS, ...merged.webhook } : null,
    syslog: merged.syslog ? { ...SYSLOG_DEFAULTS, ...merged.syslog } : null,
  };
  if (!check.Check(candidate)) {
    const problems = check
      .Errors(candidate)
      .slice(0, 10)
      .map((e) => `audit${e.instancePath.replace(/\//g, '.')}: ${e.message}`);
    throw new ConfigError(`Invalid audit configuration: ${[...new Set(problems)].join('; ')}`);
  }
  if (candidate.schedule.trim().split(/\s+/).length !== 5 || !cron.validate(candidate.schedule)) {
    throw new ConfigError(`Invalid audit configuration: audit.schedule "${candidate.schedule}" is not a 5-field cron expression`);
  }
  if (!validTimezone(candidate.timezone)) {
    throw new ConfigError(`Invalid audit configuration: audit.timezone "${candidate.timezone}" is not a known IANA time zone`);
  }
  return candidate;
}

/**
 * The audit settings of a server configuration: its `audit` object when the server config schema
 * carries one (validated here whatever its shape), else defaults and environment only.
 */
export function auditConfigOf(serverConfig: object, env: NodeJS.ProcessEnv = process.env): AuditConfig {
  const input = 'audit' in serverConfig ? (serverConfig.audit as AuditConfigInput | undefined) : undefined;
  return resolveAuditConfig(input, env);
}
