// Syslog toward a SIEM: RFC 5424 messages, over UDP (one datagram each) or TCP with RFC 6587
// octet-counting framing ("<length> <message>"). Fields are bounded and sanitised as the RFC says.
import { createSocket } from 'node:dgram';
import { isIP, Socket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import type { SyslogConfig } from '../audit/config.js';
import type { DeliveryOutcome } from './webhook.js';

export const SYSLOG_SEVERITY = { emergency: 0, alert: 1, critical: 2, error: 3, warning: 4, notice: 5, info: 6, debug: 7 } as const;
export type SyslogSeverity = keyof typeof SYSLOG_SEVERITY;

export interface SyslogMessage {
  severity: SyslogSeverity;
  timestamp: Date;
  /** MSGID: what kind of event (e.g. AUDIT, FINDING). */
  msgId: string;
  /** Parameters of the one structured-data element (vigie@PEN). */
  data: Record<string, string | number | null>;
  message: string;
}

/** Largest message sent (UDP receivers must take 480 bytes and should take 2048; SIEMs take more). */
export const SYSLOG_MAX_BYTES = 8192;
/** At most this many messages per delivery. */
export const SYSLOG_MAX_MESSAGES = 200;
const BOM = '\uFEFF';

/** HOSTNAME, APP-NAME, PROCID, MSGID: printable US-ASCII without spaces, bounded, "-" when empty. */
function header(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** PARAM-NAME: printable ASCII except = SP ] ", at most 32 characters. */
function paramName(name: string): string {
  return name.replace(/[^\x21-\x7e]|[= \]"]/g, '').slice(0, 32) || 'x';
}

/**
 * Control characters (C0, DEL, C1) and the Unicode line separators: a line break in an agent's
 * host name would otherwise forge a second syslog line in line-based collectors.
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;

/** PARAM-VALUE: UTF-8 with ", \ and ] escaped by a backslash, control characters made spaces. */
function paramValue(value: string): string {
  return value.replace(CONTROL, ' ').replace(/[\\"\]]/g, (c) => `\\${c}`);
}

export function formatSyslog(message: SyslogMessage, options: { facility: number; enterpriseId: number; hostname?: string; appName?: string; procId?: string }): string {
  const pri = options.facility * 8 + SYSLOG_SEVERITY[message.severity];
  const params = Object.entries(message.data)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${paramName(k)}="${paramValue(String(v))}"`)
    .join(' ');
  const sd = `[vigie@${options.enterpriseId}${params === '' ? '' : ` ${params}`}]`;
  const head = [
    `<${pri}>1`,
    message.timestamp.toISOString(),
    header(options.hostname ?? osHostname(), 255),
    header(options.appName ?? 'vigie', 48),
    header(options.procId ?? String(process.pid), 128),
    header(message.msgId, 32),
    sd,
  ].join(' ');
  // Control characters (newlines) would split the message in line-based collectors.
  const text = message.message.replace(CONTROL, ' ');
  return truncateUtf8(`${head} ${BOM}${text}`, SYSLOG_MAX_BYTES);
}

function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // Cut on a character boundary: drop continuation bytes (10xxxxxx) at the cut.
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

/** RFC 6587 octet counting: "<byte length> <message>". */
export function octetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

function sendUdp(config: SyslogConfig, frames: string[]): Promise<void> {
  const socket = createSocket(isIP(config.host) === 6 ? 'udp6' : 'udp4');
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`UDP send timed out after ${config.timeoutMs} ms`)), config.timeoutMs);
    let pending = frames.length;
    let done = false;
    const finish = (error?: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve();
    };
    socket.once('error', finish);
    if (pending === 0) finish();
    for (const frame of frames) {
      socket.send(Buffer.from(frame, 'utf8'), config.port, config.host, (error) => {
        if (error) return finish(error);
        pending -= 1;
        if (pending === 0) finish();
      });
    }
  });
}

function sendTcp(config: SyslogConfig, frames: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = new Socket();
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(config.timeoutMs, () => finish(new Error(`TCP syslog timed out after ${config.timeoutMs} ms`)));
    socket.once('error', finish);
    socket.connect(config.port, config.host, () => {
      socket.end(Buffer.concat(frames.map(octetCounted)), () => finish());
    });
  });
}

/** Send the messages (bounded); never throws: the outcome says what happened. */
export async function sendSyslog(config: SyslogConfig, messages: SyslogMessage[], options: { hostname?: string } = {}): Promise<DeliveryOutcome> {
  const frames = messages
    .slice(0, SYSLOG_MAX_MESSAGES)
    .map((m) => formatSyslog(m, { facility: config.facility, enterpriseId: config.enterpriseId, ...options }));
  try {
    await (config.transport === 'udp' ? sendUdp(config, frames) : sendTcp(config, frames));
    return { channel: 'syslog', ok: true, attempts: 1, status: null, error: null };
  } catch (error) {
    return { channel: 'syslog', ok: false, attempts: 1, status: null, error: error instanceof Error ? error.message : String(error) };
  }
}
