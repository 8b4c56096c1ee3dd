// The audit log: an append-only, hash-chained journal of every security-relevant action.
//
// Each entry {seq, at, actor, action, target, details} is serialised as canonical JSON (RFC 8785,
// JSON Canonicalization Scheme, by the `canonicalize` package) and
//     hash = SHA-256( prev_hash_hex || canonical_entry )        (UTF-8, hex digest)
// with prev_hash of entry 1 = 64 zeros. Any edit, deletion, insertion or reordering of stored rows
// breaks a link that verifyAuditLog() finds and names by seq. The head row (last seq + hash) is
// updated in the same transaction, so deleting the last entries is detected too. An attacker who
// can rewrite the whole table AND recompute every hash is not stopped by a chain alone: export the
// head hash (`vigie auditlog verify` prints it) to somewhere they cannot write.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import {
  auditRowsAfter,
  insertAuditRow,
  latestAuditRows,
  lockAuditHead,
  readAuditHead,
  seqFollowingHash,
  writeAuditHead,
  type AuditQuery,
  type AuditRow,
} from '../db/auditlog.js';
import { AUDIT_GENESIS_HASH } from '../db/migrations/0002_people.js';
import type { Database } from '../db/schema.js';

export { AUDIT_GENESIS_HASH };

export const AUDIT_ACTOR_TYPES = ['user', 'agent', 'system', 'cli'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/**
 * Actions written today, for reference (any `domain.verb` matching AUDIT_ACTION_PATTERN is accepted,
 * so a new feature does not need to edit this file).
 */
export const KNOWN_AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.login_locked',
  'auth.login_refused',
  'auth.logout',
  'auth.recovery_code_used',
  'auth.mfa_enrolled',
  'auth.totp_secrets_sealed',
  'user.created',
  'user.disabled',
  'user.mfa_reset',
  'user.role_changed',
  'user.password_changed',
  'user.password_change_failed',
  'token.created',
  'token.revoked',
  'enrollment_token.created',
  'enrollment_token.revoked',
  'host.enrolled',
  'host.revoked',
  'waiver.created',
  'waiver.revoked',
  'policy.changed',
  'access.requested',
  'access.approved',
  'access.denied',
  'audit.run',
] as const;

export const AUDIT_ACTION_PATTERN = '^[a-z][a-z0-9_]{0,40}(\\.[a-z][a-z0-9_]{0,40}){1,3}$';
/** Canonical JSON of `details` above this size is refused: the journal records facts, not payloads. */
export const MAX_AUDIT_DETAILS_BYTES = 8192;

export const AuditActor = Type.Object(
  { type: Type.Enum(AUDIT_ACTOR_TYPES), id: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type AuditActor = Static<typeof AuditActor>;

export const AuditEvent = Type.Object(
  {
    actor: AuditActor,
    action: Type.String({ pattern: AUDIT_ACTION_PATTERN, maxLength: 128 }),
    /** What was acted on, e.g. "user:alice", "host:<uuid>", "waiver:<id>"; null when nothing specific. */
    target: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()])),
    /** Facts worth keeping (JSON object). Never secrets: keys that name one are refused. */
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type AuditEvent = Static<typeof AuditEvent> & {
  /** When it happened (default: now). */
  at?: Date;
};

export interface AuditEntry {
  seq: number;
  /** ISO-8601 UTC with milliseconds. */
  at: string;
  actor: AuditActor;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export class AuditEventError extends Error {
  override name = 'AuditEventError';
}

const checkEvent = Compile(AuditEvent);

/** Key names that would carry a secret; such a key anywhere in details is refused. */
const SECRET_KEY = /(password|passwd|secret|credential|cookie|totp_code|otp_code|recovery_code|session_id|^token$|^code$|^csrf)/i;
const MAX_DETAILS_DEPTH = 8;

function assertNoSecretKeys(value: unknown, path: string, depth: number): void {
  if (depth > MAX_DETAILS_DEPTH) throw new AuditEventError(`details nested deeper than ${MAX_DETAILS_DEPTH} levels at ${path}`);
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertNoSecretKeys(item, `${path}/${i}`, depth + 1));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (SECRET_KEY.test(key)) throw new AuditEventError(`details key "${path}/${key}" looks like a secret; audit entries never hold secrets`);
      assertNoSecretKeys(item, `${path}/${key}`, depth + 1);
    }
  }
}

/** RFC 8785 canonical JSON of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new AuditEventError('value has no JSON representation');
  return text;
}

/** The canonical serialisation of an entry's content (everything but its hashes). */
export function canonicalEntry(entry: Omit<AuditEntry, 'prev_hash' | 'hash'>): string {
  return canonicalJson({
    seq: entry.seq,
    at: entry.at,
    actor: { type: entry.actor.type, id: entry.actor.id },
    action: entry.action,
    target: entry.target,
    details: entry.details,
  });
}

/** SHA-256(prev_hash || canonical entry), hex. */
export function entryHash(prevHash: string, canonical: string): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonical, 'utf8').digest('hex');
}

/** Validate and normalise an event's details into canonical JSON text (and its parsed value). */
function normaliseDetails(details: Record<string, unknown> | undefined): { text: string; value: Record<string, unknown> } {
  const raw = details ?? {};
  assertNoSecretKeys(raw, '', 0);
  // JSON round trip: drops undefined, refuses cycles and BigInt with a clear error.
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
  } catch (error) {
    throw new AuditEventError(`details are not JSON: ${(error as Error).message}`);
  }
  const text = canonicalJson(value);
  if (Buffer.byteLength(text, 'utf8') > MAX_AUDIT_DETAILS_BYTES) {
    throw new AuditEventError(`details exceed ${MAX_AUDIT_DETAILS_BYTES} bytes once serialised`);
  }
  return { text, value };
}

async function appendInTransaction(trx: Database, event: AuditEvent): Promise<AuditEntry> {
  if (!checkEvent.Check({ actor: event.actor, action: event.action, target: event.target, details: event.details })) {
    const first = checkEvent.Errors({ actor: event.actor, action: event.action, target: event.target, details: event.details })[0];
    throw new AuditEventError(`invalid audit event: ${first?.instancePath ?? ''} ${first?.message ?? ''}`.trim());
  }
  const details = normaliseDetails(event.details);
  const at = (event.at ?? new Date()).toISOString();
  await lockAuditHead(trx);
  const head = await readAuditHead(trx);
  const content = {
    seq: head.last_seq + 1,
    at,
    actor: { type: event.actor.type, id: event.actor.id },
    action: event.action,
    target: event.target ?? null,
    details: details.value,
  };
  const hash = entryHash(head.last_hash, canonicalEntry(content));
  await insertAuditRow(trx, {
    seq: content.seq,
    at,
    actor_type: content.actor.type,
    actor_id: content.actor.id,
    action: content.action,
    target: content.target,
    details: details.text,
    prev_hash: head.last_hash,
    hash,
  });
  await writeAuditHead(trx, { last_seq: content.seq, last_hash: hash });
  return { ...content, prev_hash: head.last_hash, hash };
}

/**
 * Append one event. Given a transaction (`db.transaction().execute(trx => ...)`), the entry commits
 * or rolls back with the caller's work; given the database, it runs in its own transaction.
 * Appends are serialised by the head row's lock (see lockAuditHead).
 */
export async function appendAuditEvent(db: Database, event: AuditEvent): Promise<AuditEntry> {
  if (db.isTransaction) return appendInTransaction(db, event);
  return db.transaction().execute((trx) => appendInTransaction(trx, event));
}

// ---------------------------------------------------------------- reading

function parseDetails(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A stored row as an entry (details parsed; an unparsable one shows as {} and fails verification). */
export function toEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    // Only AUDIT_ACTOR_TYPES are ever written; verifyAuditLog catches a row edited to anything else.
    actor: { type: row.actor_type as AuditActorType, id: row.actor_id },
    action: row.action,
    target: row.target,
    details: parseDetails(row.details) ?? {},
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

export const MAX_AUDIT_LIST = 1000;

/** The latest entries, newest first (limit 1..MAX_AUDIT_LIST). Listing does not verify: use verifyAuditLog. */
export async function listAuditEntries(db: Database, query: AuditQuery): Promise<AuditEntry[]> {
  const limit = Math.min(Math.max(1, Math.trunc(query.limit)), MAX_AUDIT_LIST);
  return (await latestAuditRows(db, { ...query, limit })).map(toEntry);
}

// ---------------------------------------------------------------- verifying

export type AuditProblem =
  /** The entry's content no longer hashes to its stored hash, which its successor still links to. */
  | 'edited'
  /** The stored hash field was altered: the content hashes to what the successor links to. */
  | 'bad_hash'
  /** Sequence numbers jump: entries were deleted. */
  | 'missing'
  /** The entry stored at this seq belongs elsewhere in the chain (rows swapped or moved). */
  | 'reordered'
  /** prev_hash does not match the previous entry's hash (an entry was replaced or removed and renumbered). */
  | 'broken_link'
  /** The head records more entries than the table holds: the last ones were deleted. */
  | 'truncated'
  /** The head's hash is not the last entry's hash. */
  | 'head_mismatch'
  /** The log ends before a head seen earlier (--expect-head): its end was cut, head row included. */
  | 'behind_expected_head'
  /** The entry at a head seen earlier has another hash now: the log was rewritten from there on. */
  | 'expected_head_mismatch';

export interface AuditHeadPin {
  seq: number;
  hash: string;
}

export type AuditVerification =
  | { ok: true; entries: number; head: { seq: number; hash: string }; expected_head?: AuditHeadPin }
  | { ok: false; seq: number; problem: AuditProblem; message: string; entries_checked: number };

export class AuditHeadPinError extends Error {
  override name = 'AuditHeadPinError';
}

/** `SEQ:HASH` as printed by verify (seq >= 0, 64 hex digits), e.g. from an earlier run kept elsewhere. */
export function parseAuditHeadPin(text: string): AuditHeadPin {
  const match = /^(\d{1,15}):([0-9a-fA-F]{64})$/.exec(text.trim());
  if (match === null) throw new AuditHeadPinError(`expected head must be SEQ:HASH (a sequence number, a colon, 64 hex digits), got "${text.slice(0, 100)}"`);
  return { seq: Number(match[1]), hash: (match[2] as string).toLowerCase() };
}

/** Rows hashed between two returns to the event loop (each page is one query and its hashing). */
export const VERIFY_PAGE = 500;

/** Let timers, I/O and other requests run between pages: verification never holds the loop for long. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface VerifyOptions {
  /** A head seen earlier (kept outside the database): the log must still hold it, unchanged. */
  expectHead?: AuditHeadPin | undefined;
}

/**
 * Walk the whole chain in seq order and report the first break, or ok with the head. The walk
 * goes page by page and returns to the event loop after each (VERIFY_PAGE rows), so on a long log
 * the server keeps answering reports and logins while it runs: the time the loop is held does
 * not grow with the log's length. With `expectHead`, an intact chain must also still hold that
 * entry with that hash: the end cut (with the head row rewritten to match) or the log rewritten
 * from there on is detected, which the chain alone cannot show.
 */
export async function verifyAuditLog(db: Database, options: VerifyOptions = {}): Promise<AuditVerification> {
  const chain = await verifyChain(db);
  const pin = options.expectHead;
  if (!chain.ok || pin === undefined) return chain;
  if (pin.seq > chain.entries) {
    return {
      ok: false,
      seq: chain.entries + 1,
      problem: 'behind_expected_head',
      message: `the log ends at seq ${chain.entries}, before the expected head seq ${pin.seq}: entries ${chain.entries + 1} to ${pin.seq} were cut (and the head row rewritten)`,
      entries_checked: chain.entries,
    };
  }
  const hashAtPin = pin.seq === 0 ? AUDIT_GENESIS_HASH : (await auditRowsAfter(db, pin.seq - 1, 1))[0]?.hash;
  if (hashAtPin !== pin.hash) {
    return {
      ok: false,
      seq: pin.seq,
      problem: 'expected_head_mismatch',
      message: `entry ${pin.seq} has hash ${(hashAtPin ?? '').slice(0, 12)}..., not the expected ${pin.hash.slice(0, 12)}...: the log was rewritten from there on (or the expected head is wrong)`,
      entries_checked: chain.entries,
    };
  }
  return { ...chain, expected_head: { seq: pin.seq, hash: pin.hash } };
}

async function verifyChain(db: Database): Promise<AuditVerification> {
  const head = await readAuditHead(db);
  let expectedSeq = 1;
  let prevHash = AUDIT_GENESIS_HASH;
  let checked = 0;
  const fail = (seq: number, problem: AuditProblem, message: string): AuditVerification => ({
    ok: false,
    seq,
    problem,
    message,
    entries_checked: checked,
  });

  // Each page moves past at least one row, so the loop ends after at most rows/VERIFY_PAGE + 1 pages.
  let page = await auditRowsAfter(db, 0, VERIFY_PAGE + 1);
  while (page.length > 0) {
    const rows = page.slice(0, VERIFY_PAGE);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as AuditRow;
      if (row.seq !== expectedSeq) {
        const last = row.seq - 1;
        const range = last === expectedSeq ? `${expectedSeq}` : `${expectedSeq} to ${last}`;
        return fail(expectedSeq, 'missing', `entry ${range} is missing (deleted): the log jumps from seq ${expectedSeq - 1} to ${row.seq}`);
      }
      // What links to this entry's hash: the next row, or the head for the last one.
      const next = page[i + 1];
      const successorLink = next !== undefined ? next.prev_hash : head.last_seq === row.seq ? head.last_hash : undefined;
      if (row.prev_hash !== prevHash) {
        const followedBy = await seqFollowingHash(db, row.hash);
        const belongsAt = followedBy !== undefined ? followedBy - 1 : row.hash === head.last_hash ? head.last_seq : undefined;
        if (belongsAt !== undefined && belongsAt !== row.seq) {
          return fail(row.seq, 'reordered', `entry at seq ${row.seq} is the one that belongs at seq ${belongsAt}: rows were swapped or moved`);
        }
        return fail(row.seq, 'broken_link', `entry ${row.seq} does not link to entry ${row.seq - 1} (prev_hash differs): an entry was replaced or removed`);
      }
      const details = parseDetails(row.details);
      const actorOk = (AUDIT_ACTOR_TYPES as readonly string[]).includes(row.actor_type);
      const recomputed =
        details === null || !actorOk
          ? null
          : entryHash(
              row.prev_hash,
              canonicalEntry({
                seq: row.seq,
                at: row.at,
                actor: { type: row.actor_type as AuditActorType, id: row.actor_id },
                action: row.action,
                target: row.target,
                details,
              }),
            );
      if (recomputed !== row.hash) {
        if (recomputed !== null && successorLink === recomputed) {
          return fail(row.seq, 'bad_hash', `entry ${row.seq}'s stored hash was altered (its content is intact)`);
        }
        return fail(row.seq, 'edited', `entry ${row.seq} was edited after it was written (its content no longer matches its hash)`);
      }
      prevHash = row.hash;
      expectedSeq += 1;
      checked += 1;
    }
    const lastSeq = (rows[rows.length - 1] as AuditRow).seq;
    if (page.length <= VERIFY_PAGE) break;
    await yieldToEventLoop();
    page = await auditRowsAfter(db, lastSeq, VERIFY_PAGE + 1);
  }

  if (head.last_seq > checked) {
    const first = checked + 1;
    const range = first === head.last_seq ? `${first}` : `${first} to ${head.last_seq}`;
    return fail(first, 'truncated', `entry ${range} is missing: the head records ${head.last_seq} entries, the log holds ${checked}`);
  }
  if (head.last_seq < checked || head.last_hash !== prevHash) {
    return fail(checked, 'head_mismatch', `the chain head (seq ${head.last_seq}, hash ${head.last_hash.slice(0, 12)}...) does not match the last entry (seq ${checked}, hash ${prevHash.slice(0, 12)}...)`);
  }
  return { ok: true, entries: checked, head: { seq: head.last_seq, hash: head.last_hash } };
}
