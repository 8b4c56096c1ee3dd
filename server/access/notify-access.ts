// Sends access notices by email (nodemailer over SMTP), the signed webhook and syslog. A notice is
// sent after its transition committed and in the background: a slow or broken channel never holds
// up or undoes a decision. A channel that fails is logged and written to the audit log
// (access.notification_failed), without the SMTP password or the webhook secret.
import nodemailer, { type Transporter } from 'nodemailer';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import type { Database } from '../db/schema.js';
import { sendSyslog, type SyslogMessage } from '../notify/syslog.js';
import { sendWebhook, type DeliveryOutcome } from '../notify/webhook.js';
import { requestAuditTarget } from './model.js';
import { recipientsOf, type Recipient } from './contacts.js';
import { noticeText } from './notice-text.js';
import type { AccessNotice, AccessNotifier } from './notices.js';
import type { AccessNotifyConfig, SmtpConfig } from './notify-config.js';

export interface ChannelOutcome {
  channel: 'email' | 'webhook' | 'syslog';
  ok: boolean;
  /** Emails: how many recipients had an address. */
  sent: number;
  error: string | null;
}

export interface BackgroundAccessNotifier extends AccessNotifier {
  /** Resolves once every notice sent so far was delivered or failed (tests, shutdown). */
  flush(): Promise<void>;
  /** Outcomes of the notices delivered so far, most recent last (bounded). */
  readonly outcomes: readonly { kind: string; request_id: string; outcomes: ChannelOutcome[] }[];
  close(): Promise<void>;
}

export interface NotifierDeps {
  db: Database;
  config: AccessNotifyConfig;
  log: { error(details: object, message: string): void };
  now: () => Date;
  /** Webhook retry waits (tests skip them). */
  sleep?: (ms: number) => Promise<unknown>;
}

/** Error text as logged and audited: bounded, one line, without anything from the channel's URL credentials. */
function errorText(error: unknown, secrets: readonly string[]): string {
  let text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  for (const s of secrets) if (s.length > 0) text = text.split(s).join('[redacted]');
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 300);
}

function transportOf(smtp: SmtpConfig): Transporter {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.starttls === 'required',
    ignoreTLS: smtp.starttls === 'none' && !smtp.secure,
    ...(smtp.user === null ? {} : { auth: { user: smtp.user, pass: smtp.password ?? '' } }),
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
    // One connection per message: notices are rare and a pool would outlive the server's close.
    pool: false,
    logger: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

export function webhookBody(notice: AccessNotice, at: Date) {
  const r = notice.request;
  return {
    event: `access.${notice.kind}`,
    at: at.toISOString(),
    actor: notice.actor,
    reason: notice.reason,
    request: {
      request_id: r.request_id,
      state: r.state,
      requester: r.requester,
      vendor: r.vendor,
      target: r.target,
      site: r.site,
      not_before: r.not_before,
      not_after: r.not_after,
      review_deadline: r.review_deadline,
      emergency: r.emergency,
      ticket: r.ticket,
      posture_override: r.posture_override !== null,
      countersigned_by: r.countersigned_by,
    },
  };
}

export function syslogMessage(notice: AccessNotice, at: Date): SyslogMessage {
  const r = notice.request;
  const loud = notice.kind === 'emergency' || notice.kind === 'revoked' || r.posture_override !== null;
  return {
    severity: loud ? 'warning' : 'notice',
    timestamp: at,
    msgId: 'ACCESS',
    data: { event: `access.${notice.kind}`, request: r.request_id, state: r.state, target: r.target, site: r.site, requester: r.requester, actor: notice.actor, not_before: r.not_before, not_after: r.not_after, emergency: r.emergency ? 1 : 0 },
    message: `${noticeText(notice, 'fr').subject}: ${r.requester} -> ${r.target} ${r.not_before}..${r.not_after}`,
  };
}

export function createAccessNotifier(deps: NotifierDeps): BackgroundAccessNotifier {
  const { config } = deps;
  const secrets = [config.smtp?.password ?? '', config.webhook?.secret ?? ''];
  const transport = config.smtp === null ? null : transportOf(config.smtp);
  const pending = new Set<Promise<void>>();
  const outcomes: { kind: string; request_id: string; outcomes: ChannelOutcome[] }[] = [];

  async function email(notice: AccessNotice, recipients: Recipient[]): Promise<ChannelOutcome | null> {
    if (transport === null || config.smtp === null) return null;
    const addressed = recipients.filter((r): r is Recipient & { email: string } => r.email !== null);
    if (addressed.length === 0) return { channel: 'email', ok: true, sent: 0, error: null };
    let sent = 0;
    const errors: string[] = [];
    // One message per person, in their language (and nobody learns who else was told).
    for (const person of addressed) {
      const { subject, text } = noticeText(notice, person.lang);
      try {
        await transport.sendMail({ from: config.smtp.from, to: person.email, subject, text, headers: { 'Auto-Submitted': 'auto-generated', 'Content-Language': person.lang === 'fr' ? 'fr, en' : 'en, fr' } });
        sent += 1;
      } catch (error) {
        errors.push(`${person.username}: ${errorText(error, secrets)}`);
      }
    }
    return { channel: 'email', ok: errors.length === 0, sent, error: errors.length === 0 ? null : errors.join('; ').slice(0, 600) };
  }

  const fromDelivery = (d: DeliveryOutcome): ChannelOutcome => ({ channel: d.channel, ok: d.ok, sent: d.ok ? 1 : 0, error: d.error === null ? null : errorText(d.error, secrets) });

  async function deliver(notice: AccessNotice): Promise<void> {
    const at = deps.now();
    const results: ChannelOutcome[] = [];
    const jobs: Promise<ChannelOutcome | null>[] = [];
    jobs.push(
      recipientsOf(deps.db, notice.kind, notice.request).then(
        (recipients) => email(notice, recipients),
        (error: unknown) => ({ channel: 'email' as const, ok: false, sent: 0, error: errorText(error, secrets) }),
      ),
    );
    if (config.webhook !== null) jobs.push(sendWebhook(config.webhook, webhookBody(notice, at), { now: deps.now, ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }) }).then(fromDelivery));
    if (config.syslog !== null) jobs.push(sendSyslog(config.syslog, [syslogMessage(notice, at)]).then(fromDelivery));
    for (const outcome of await Promise.all(jobs)) if (outcome !== null) results.push(outcome);
    outcomes.push({ kind: notice.kind, request_id: notice.request.request_id, outcomes: results });
    if (outcomes.length > 200) outcomes.shift();
    for (const failed of results.filter((o) => !o.ok)) {
      deps.log.error({ channel: failed.channel, request_id: notice.request.request_id, kind: notice.kind, error: failed.error }, 'access notice not delivered');
      try {
        await appendAuditEvent(deps.db, {
          actor: { type: 'system', id: 'access-notifier' },
          action: 'access.notification_failed',
          target: requestAuditTarget(notice.request.request_id),
          details: { channel: failed.channel, notice: notice.kind, delivered: failed.sent, error: failed.error },
          at: deps.now(),
        });
      } catch (error) {
        deps.log.error({ err: error }, 'could not audit a failed access notice');
      }
    }
  }

  return {
    outcomes,
    async notify(notice) {
      const job = deliver(notice).catch((error: unknown) => deps.log.error({ error: errorText(error, secrets), kind: notice.kind }, 'access notice failed'));
      pending.add(job);
      void job.finally(() => pending.delete(job));
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      await this.flush();
      transport?.close();
    },
  };
}
