// TOTP secrets at rest: users.totp_secret and users.totp_pending_secret hold sealed values
// (server/secrets/sealed-secret.ts), each bound to its user id and its column, so a value copied onto
// another user or into the other column does not open.
//
// Opening accepts nothing else. In particular a base32 secret in clear is refused (those of
// databases from before sealing are sealed at server start, server/auth/totp-secrets-at-start.ts):
// otherwise someone able to write the users table could plant a secret of their choice and log in.
import type { FastifyBaseLogger } from 'fastify';
import type { TotpSecretColumn, UserCredentials } from '../db/users.js';
import { openSealedSecret, sealSecret, UnsealError, type SealedSecret } from '../secrets/sealed-secret.js';
import type { SecretsKey } from '../secrets/secrets-key.js';

/** The associated data of a user's TOTP secret in one column. */
export function totpSecretContext(userId: string, column: TotpSecretColumn): string {
  return `users.${column}:${userId}`;
}

export function sealTotpSecret(key: SecretsKey, userId: string, column: TotpSecretColumn, secretBase32: string): SealedSecret {
  return sealSecret(key, secretBase32, totpSecretContext(userId, column));
}

/** The base32 secret stored sealed in `column` for `userId`; UnsealError when it does not open. */
export function openTotpSecret(key: SecretsKey, userId: string, column: TotpSecretColumn, stored: string): string {
  return openSealedSecret(key, stored, totpSecretContext(userId, column));
}

/**
 * Open a user's TOTP secret for checking a code; null (after an error log for the operator) when it
 * does not open. The log names the user, the column and the reason, never the value.
 */
export function openTotpSecretOrLog(
  key: SecretsKey,
  log: Pick<FastifyBaseLogger, 'error'>,
  user: Pick<UserCredentials, 'user_id' | 'username'>,
  column: TotpSecretColumn,
  stored: string,
): string | null {
  try {
    return openTotpSecret(key, user.user_id, column, stored);
  } catch (error) {
    if (!(error instanceof UnsealError)) throw error;
    log.error(
      { user: user.username, user_id: user.user_id, column, problem: error.problem },
      `The stored TOTP secret of ${user.username} (${column}) cannot be opened: ${error.message}. ` +
        `If the secrets key is right, reset this user's MFA (vigie user reset-mfa --username ${user.username}).`,
    );
    return null;
  }
}
