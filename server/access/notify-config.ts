// Channels of access notices, from the environment like the audit's webhook and syslog:
//   VIGIE_ACCESS_SMTP_URL       smtp://[user:password@]relay:25[?tls=required|none]  or  smtps://relay:465
//   VIGIE_ACCESS_MAIL_FROM      the sender address (default vigie@<relay host>)
//   VIGIE_ACCESS_WEBHOOK_URL + VIGIE_ACCESS_WEBHOOK_SECRET   signed JSON (server/notify/webhook.ts)
//   VIGIE_ACCESS_SYSLOG         udp://host:514 or tcp://host:601 (server/notify/syslog.ts)
// Unset: that channel is off. The SMTP password is kept in memory only and never printed.
import { SYSLOG_DEFAULTS, WEBHOOK_DEFAULTS, type SyslogConfig, type WebhookConfig } from '../audit/config.js';
import { ConfigError } from '../config.js';
import { emailProblem } from './contacts.js';

export interface SmtpConfig {
  host: string;
  port: number;
  /** Implicit TLS (smtps://). */
  secure: boolean;
  /** 'required': STARTTLS or fail; 'opportunistic': STARTTLS when offered; 'none': never. */
  starttls: 'required' | 'opportunistic' | 'none';
  user: string | null;
  password: string | null;
  from: string;
  timeoutMs: number;
}

export interface AccessNotifyConfig {
  smtp: SmtpConfig | null;
  webhook: WebhookConfig | null;
  syslog: SyslogConfig | null;
}

export const NO_ACCESS_CHANNELS: AccessNotifyConfig = { smtp: null, webhook: null, syslog: null };

const set = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

export function smtpFromUrl(value: string, from: string | undefined): SmtpConfig {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('VIGIE_ACCESS_SMTP_URL: expected smtp://[user:password@]host[:port] or smtps://host[:port]');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ConfigError(`VIGIE_ACCESS_SMTP_URL: scheme ${url.protocol} is neither smtp: nor smtps:`);
  if (url.hostname === '') throw new ConfigError('VIGIE_ACCESS_SMTP_URL: no host');
  const secure = url.protocol === 'smtps:';
  const tls = url.searchParams.get('tls') ?? (secure ? 'none' : 'opportunistic');
  if (tls !== 'required' && tls !== 'opportunistic' && tls !== 'none') throw new ConfigError('VIGIE_ACCESS_SMTP_URL: tls= is required, opportunistic or none');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const sender = from ?? `vigie@${host}`;
  if (emailProblem(sender) !== null) {
    throw new ConfigError(from === undefined ? `VIGIE_ACCESS_MAIL_FROM: set the sender address (vigie@${host.slice(0, 60)} is not one)` : `VIGIE_ACCESS_MAIL_FROM "${sender.slice(0, 80)}" is not a plain email address`);
  }
  return {
    host,
    port: url.port === '' ? (secure ? 465 : 25) : Number(url.port),
    secure,
    starttls: secure ? 'none' : tls,
    user: url.username === '' ? null : decodeURIComponent(url.username),
    password: url.password === '' ? null : decodeURIComponent(url.password),
    from: sender,
    timeoutMs: 15_000,
  };
}

function syslogFromUrl(value: string): SyslogConfig {
  const match = /^(udp|tcp):\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(value);
  if (match === null) throw new ConfigError(`VIGIE_ACCESS_SYSLOG "${value.slice(0, 80)}": expected udp://HOST:PORT or tcp://HOST:PORT`);
  return { ...SYSLOG_DEFAULTS, transport: match[1] as 'udp' | 'tcp', host: match[2]!.replace(/^\[|\]$/g, ''), port: Number(match[3]) };
}

export function accessNotifyConfigFromEnv(env: NodeJS.ProcessEnv): AccessNotifyConfig {
  const smtpUrl = set(env.VIGIE_ACCESS_SMTP_URL);
  const webhookUrl = set(env.VIGIE_ACCESS_WEBHOOK_URL);
  const secret = set(env.VIGIE_ACCESS_WEBHOOK_SECRET);
  const syslog = set(env.VIGIE_ACCESS_SYSLOG);
  let webhook: WebhookConfig | null = null;
  if (webhookUrl !== undefined) {
    if (!/^https?:\/\//.test(webhookUrl)) throw new ConfigError('VIGIE_ACCESS_WEBHOOK_URL: expected an http(s) URL');
    if (secret === undefined || secret.length < 16) throw new ConfigError('VIGIE_ACCESS_WEBHOOK_SECRET: at least 16 characters (the receiver checks the HMAC signature with it)');
    webhook = { ...WEBHOOK_DEFAULTS, url: webhookUrl, secret };
  }
  return {
    smtp: smtpUrl === undefined ? null : smtpFromUrl(smtpUrl, set(env.VIGIE_ACCESS_MAIL_FROM)),
    webhook,
    syslog: syslog === undefined ? null : syslogFromUrl(syslog),
  };
}
