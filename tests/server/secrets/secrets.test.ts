import t from 'tap';
import {
  formatApiToken,
  formatCredential,
  formatEnrollmentToken,
  hashSecret,
  newHostId,
  newSecret,
  newTokenId,
  parseApiToken,
  parseCredential,
  parseEnrollmentToken,
  secretMatches,
} from '../../../server/secrets/secrets.js';

t.test('secrets are 256-bit base64url and stored as SHA-256 digests', async (t) => {
  const secret = newSecret();
  t.match(secret, /^[A-Za-z0-9_-]{43}$/);
  t.not(newSecret(), secret);
  t.match(hashSecret(secret), /^[0-9a-f]{64}$/);
  t.ok(secretMatches(secret, hashSecret(secret)));
  t.notOk(secretMatches(newSecret(), hashSecret(secret)));
  t.notOk(secretMatches(secret, 'abcd'), 'a malformed stored digest never matches');
});

t.test('wire formats round-trip and reject anything else', async (t) => {
  const id = newTokenId();
  const secret = newSecret();
  const hostId = newHostId();
  t.same(parseEnrollmentToken(formatEnrollmentToken(id, secret)), { id, secret });
  t.same(parseApiToken(formatApiToken(id, secret)), { id, secret });
  t.same(parseCredential(formatCredential(hostId, secret)), { id: hostId, secret });
  t.ok(formatApiToken(id, secret).startsWith('vigie_'));
  t.ok(formatEnrollmentToken(id, secret).startsWith('enr_'));
  for (const bad of ['', 'enr_', `enr_${id}`, `enr_${id}.short`, `vigie_${id}.${secret}`, `enr_${id}.${secret}.x`, 'x'.repeat(1000)]) {
    t.equal(parseEnrollmentToken(bad), null, `enrollment: ${bad.slice(0, 40)}`);
  }
  t.equal(parseApiToken(formatEnrollmentToken(id, secret)), null, 'an enrollment token is not an API token');
  t.equal(parseCredential(`not-a-uuid.${secret}`), null);
  t.equal(parseCredential(formatApiToken(id, secret)), null);
});
