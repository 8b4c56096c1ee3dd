import { createSecretKey } from 'node:crypto';
import t from 'tap';
import { looksSealed, MAX_SEALED_LENGTH, openSealedSecret, sealedKeyId, sealSecret, UnsealError, type UnsealProblem } from '../../../server/secrets/sealed-secret.js';
import type { SecretsKey } from '../../../server/secrets/secrets-key.js';

function testKey(fill: number, id: string): SecretsKey {
  return { id, key: createSecretKey(Buffer.alloc(32, fill)), file: `/keys/${id}` };
}
const KEY = testKey(1, 'AAAAAAAAAAA');
const OTHER_KEY = testKey(2, 'BBBBBBBBBBB');
/** Same bytes as OTHER_KEY but claiming KEY's id: opening gets past the id check and must fail on the tag. */
const IMPOSTOR = testKey(2, KEY.id);
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const CONTEXT = 'users.totp_secret:0b6f0e2c-5d1e-4c53-9d55-2f0c3a1b7e10';

function problemOf(fn: () => unknown): UnsealProblem | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (error) {
    if (error instanceof UnsealError) return error.problem;
    throw error;
  }
}

/** Rewrite one base64url part of a sealed value through `change` on its bytes. */
function withPart(sealed: string, index: number, change: (bytes: Buffer) => Buffer): string {
  const parts = sealed.split('.');
  parts[index] = change(Buffer.from(parts[index] ?? '', 'base64url')).toString('base64url');
  return parts.join('.');
}

const flip = (at: number) => (bytes: Buffer) => {
  const copy = Buffer.from(bytes);
  const i = at < 0 ? copy.length + at : at;
  copy[i] = (copy[i] ?? 0) ^ 0x01;
  return copy;
};

t.test('round trip, versioned format, a fresh nonce every time', async (t) => {
  for (const plaintext of [SECRET, '', 'é ✓ 🔑', 'x'.repeat(1000)]) {
    t.equal(openSealedSecret(KEY, sealSecret(KEY, plaintext, CONTEXT), CONTEXT), plaintext);
  }
  const a = sealSecret(KEY, SECRET, CONTEXT);
  const b = sealSecret(KEY, SECRET, CONTEXT);
  t.match(a, /^v1\.AAAAAAAAAAA\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{64}$/, 'v1.<key id>.<12-byte nonce>.<ciphertext + 16-byte tag>');
  t.not(a, b, 'two seals of one secret differ');
  t.not(a.split('.')[2], b.split('.')[2], 'by their nonce');
  t.notOk(a.includes(SECRET), 'the secret is not in the sealed text');
  t.ok(looksSealed(a));
  t.notOk(looksSealed(SECRET));
  t.equal(sealedKeyId(a), KEY.id);
  t.equal(sealedKeyId(SECRET), null);
  t.equal(sealedKeyId(`${a}.x`), null);
  t.equal(sealedKeyId('v1.short.x.y'), null);
});

t.test('the associated data binds a value to its context', async (t) => {
  const sealed = sealSecret(KEY, SECRET, CONTEXT);
  t.equal(problemOf(() => openSealedSecret(KEY, sealed, 'users.totp_secret:another-user')), 'authentication_failed', 'another user');
  t.equal(problemOf(() => openSealedSecret(KEY, sealed, 'users.totp_pending_secret:0b6f0e2c-5d1e-4c53-9d55-2f0c3a1b7e10')), 'authentication_failed', 'another column');
  t.equal(problemOf(() => openSealedSecret(KEY, sealed, `${CONTEXT} `)), 'authentication_failed', 'one character more');
  t.equal(problemOf(() => openSealedSecret(KEY, sealed, '')), 'authentication_failed', 'no context');
  t.equal(openSealedSecret(KEY, sealed, CONTEXT), SECRET, 'still opens in its own context');
});

t.test('the wrong key fails: named when the id differs, by the tag when it does not', async (t) => {
  const sealed = sealSecret(KEY, SECRET, CONTEXT);
  t.equal(problemOf(() => openSealedSecret(OTHER_KEY, sealed, CONTEXT)), 'other_key');
  t.throws(() => openSealedSecret(OTHER_KEY, sealed, CONTEXT), { message: /key id AAAAAAAAAAA; this server's key \/keys\/BBBBBBBBBBB has id BBBBBBBBBBB/ });
  t.equal(problemOf(() => openSealedSecret(IMPOSTOR, sealed, CONTEXT)), 'authentication_failed');
  const relabelled = sealed.replace(`.${KEY.id}.`, `.${OTHER_KEY.id}.`);
  t.equal(problemOf(() => openSealedSecret(OTHER_KEY, relabelled, CONTEXT)), 'authentication_failed', 'a relabelled key id does not help');
});

t.test('any change to the stored text fails', async (t) => {
  const sealed = sealSecret(KEY, SECRET, CONTEXT);
  const body = Buffer.from(sealed.split('.')[3] ?? '', 'base64url');
  t.equal(body.length, SECRET.length + 16);
  const cases: [string, string, UnsealProblem][] = [
    ['first nonce byte', withPart(sealed, 2, flip(0)), 'authentication_failed'],
    ['last nonce byte', withPart(sealed, 2, flip(-1)), 'authentication_failed'],
    ['first ciphertext byte', withPart(sealed, 3, flip(0)), 'authentication_failed'],
    ['last ciphertext byte', withPart(sealed, 3, flip(SECRET.length - 1)), 'authentication_failed'],
    ['first tag byte', withPart(sealed, 3, flip(SECRET.length)), 'authentication_failed'],
    ['last tag byte', withPart(sealed, 3, flip(-1)), 'authentication_failed'],
    ['one ciphertext byte less', withPart(sealed, 3, (b) => Buffer.concat([b.subarray(0, 3), b.subarray(4)])), 'authentication_failed'],
    ['one byte more', withPart(sealed, 3, (b) => Buffer.concat([b, Buffer.from([0])])), 'authentication_failed'],
    ['tag only (ciphertext removed)', withPart(sealed, 3, (b) => b.subarray(b.length - 16)), 'authentication_failed'],
    ['15 bytes: shorter than a tag', withPart(sealed, 3, (b) => b.subarray(b.length - 15)), 'malformed'],
    ['11-byte nonce', withPart(sealed, 2, (b) => b.subarray(1)), 'malformed'],
    ['13-byte nonce', withPart(sealed, 2, (b) => Buffer.concat([b, Buffer.from([0])])), 'malformed'],
    ['ciphertext not base64url', sealed.replace(/\.([A-Za-z0-9_-]+)$/, '.+$1'), 'malformed'],
    ['nonce not base64url', withPart(sealed, 2, (b) => b).replace(/^(v1\.[^.]+\.)./, '$1/'), 'malformed'],
    ['a fifth part', `${sealed}.AAAA`, 'malformed'],
    ['a part missing', sealed.split('.').slice(0, 3).join('.'), 'malformed'],
    ['a bad key id', sealed.replace(`.${KEY.id}.`, '.AAAA.'), 'malformed'],
    ['too long', `${sealed}${'A'.repeat(MAX_SEALED_LENGTH)}`, 'malformed'],
    ['another version', sealed.replace(/^v1\./, 'v2.'), 'not_sealed'],
    ['the secret in clear', SECRET, 'not_sealed'],
    ['empty', '', 'not_sealed'],
  ];
  for (const [name, value, problem] of cases) t.equal(problemOf(() => openSealedSecret(KEY, value, CONTEXT)), problem, name);
  t.equal(openSealedSecret(KEY, sealed, CONTEXT), SECRET, 'the original still opens');
});

t.test('errors never carry the secret or the key', async (t) => {
  const sealed = sealSecret(KEY, SECRET, CONTEXT);
  const attempts = [
    () => openSealedSecret(KEY, withPart(sealed, 3, flip(0)), CONTEXT),
    () => openSealedSecret(OTHER_KEY, sealed, CONTEXT),
    () => openSealedSecret(KEY, SECRET, CONTEXT),
    () => openSealedSecret(IMPOSTOR, sealed, CONTEXT),
  ];
  for (const attempt of attempts) {
    try {
      attempt();
      t.fail('expected an UnsealError');
    } catch (error) {
      const text = `${(error as Error).message} ${JSON.stringify(error)}`;
      t.notOk(text.includes(SECRET), 'no secret');
      t.notOk(text.includes(Buffer.alloc(32, 1).toString('hex')) || text.includes(Buffer.alloc(32, 1).toString('base64')), 'no key');
    }
  }
});
