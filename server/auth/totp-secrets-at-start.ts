// TOTP secrets at server start, before any login is answered:
//   - secrets stored in clear by versions before sealing are sealed (idempotent: a value is replaced
//     only if it still holds what was read, so concurrent replicas seal each value once), with the
//     count logged and one audit entry;
//   - a database whose enrolled secrets were sealed with another key than the one loaded is refused,
//     naming the users: a wrong or freshly created key file (a restored database without its key, a
//     replica given another key) would otherwise surface only as failed logins, one user at a time;
//   - values that cannot be used otherwise (malformed, a pending enrolment under another key) are
//     logged as a warning and left as they are: their login or confirmation fails with a log error.
//
// Values in clear leave the table, not the disk: earlier database backups (and, until the space is
// reused, free pages of the database files) may still hold them; README "Secrets key" says so.
import type { FastifyBaseLogger } from 'fastify';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import type { Database } from '../db/schema.js';
import { listStoredTotpSecrets, replaceStoredTotpSecret, type TotpSecretColumn } from '../db/users.js';
import { looksSealed, sealedKeyId } from '../secrets/sealed-secret.js';
import { SecretsKeyError, type SecretsKey } from '../secrets/secrets-key.js';
import { sealTotpSecret } from './totp-at-rest.js';

/** What newTotpSecret wrote before sealing: base32 (RFC 4648 alphabet, upper case), 160 bits = 32 characters. */
const BASE32_IN_CLEAR = /^[A-Z2-7]{16,128}=*$/;
const COLUMNS: readonly TotpSecretColumn[] = ['totp_secret', 'totp_pending_secret'];
/** Names listed in a message or a log line; the count is always given in full. */
const MAX_NAMES = 20;

export interface StoredTotpSecretsCheck {
  /** Values found in clear and sealed by this start. */
  sealed: number;
  /** Values left as they are because they cannot be used (see the top of this file). */
  unusable: number;
}

interface Found {
  user_id: string;
  username: string;
  column: TotpSecretColumn;
  value: string;
}

const names = (users: readonly string[]) =>
  users.slice(0, MAX_NAMES).join(', ') + (users.length > MAX_NAMES ? `, and ${users.length - MAX_NAMES} more` : '');

export async function checkStoredTotpSecrets(
  db: Database,
  key: SecretsKey,
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
  now: Date,
): Promise<StoredTotpSecretsCheck> {
  const inClear: Found[] = [];
  const otherKey = new Map<string, Set<string>>(); // key id -> users whose enrolled secret it sealed
  const unusable: { user: string; column: TotpSecretColumn; problem: string }[] = [];
  for (const row of await listStoredTotpSecrets(db)) {
    for (const column of COLUMNS) {
      const value = row[column];
      if (value === null) continue;
      const keyId = looksSealed(value) ? sealedKeyId(value) : null;
      if (keyId === key.id) continue;
      if (keyId !== null && column === 'totp_secret') otherKey.set(keyId, (otherKey.get(keyId) ?? new Set()).add(row.username));
      else if (keyId !== null) unusable.push({ user: row.username, column, problem: 'other_key' });
      else if (!looksSealed(value) && BASE32_IN_CLEAR.test(value)) inClear.push({ user_id: row.user_id, username: row.username, column, value });
      else unusable.push({ user: row.username, column, problem: 'malformed' });
    }
  }

  if (otherKey.size > 0) {
    const users = [...new Set([...otherKey.values()].flatMap((s) => [...s]))].sort();
    throw new SecretsKeyError(
      `Refusing to start: the TOTP secrets of ${users.length} user(s) (${names(users)}) were sealed with another secrets key ` +
        `(key id ${[...otherKey.keys()].join(', ')}) than ${key.file} (key id ${key.id}); none of them could log in. ` +
        'If the key that sealed them exists (a backup, or the file the other servers of this database use), point ' +
        'secretsKeyFile / VIGIE_SECRETS_KEY_FILE at it. If it is lost, reset their MFA with `vigie user reset-mfa --username U` ' +
        '(they enrol again at their next login), then start again.',
    );
  }
  if (unusable.length > 0) {
    log.warn(
      { count: unusable.length, values: unusable.slice(0, MAX_NAMES) },
      'Some stored TOTP secrets cannot be used and were left as they are; those logins or enrolments will fail until the user MFA is reset',
    );
  }

  let sealed = 0;
  if (inClear.length > 0) {
    sealed = await db.transaction().execute(async (trx) => {
      let count = 0;
      for (const found of inClear) {
        const value = sealTotpSecret(key, found.user_id, found.column, found.value);
        if (await replaceStoredTotpSecret(trx, found.user_id, found.column, found.value, value)) count += 1;
      }
      if (count > 0) {
        await appendAuditEvent(trx, {
          actor: { type: 'system', id: 'server-start' },
          action: 'auth.totp_secrets_sealed',
          target: null,
          details: { values_sealed: count, key_id: key.id },
          at: now,
        });
      }
      return count;
    });
  }
  if (sealed > 0) log.info({ sealed, key_id: key.id }, 'TOTP secrets stored in clear are now sealed with the secrets key');
  return { sealed, unusable: unusable.length };
}
