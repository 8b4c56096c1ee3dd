import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import t, { type Test } from 'tap';
import { resolveConfig } from '../../../server/config.js';
import {
  createSecretsKeyFile,
  initSecretsKey,
  openSecretsKey,
  readSecretsKeyFile,
  SECRETS_KEY_BYTES,
  secretsKeyLocation,
} from '../../../server/secrets/secrets-key.js';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-secrets-key-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

/** A key file with these bytes and this mode. */
function keyFile(dir: string, bytes: Buffer, mode: number, name = 'k.key'): string {
  const file = join(dir, name);
  writeFileSync(file, bytes, { mode });
  chmodSync(file, mode);
  return file;
}

t.test('the default key is created at first start: 32 random bytes, mode 0600, then reused', async (t) => {
  const dataDir = join(tempDir(t), 'not-yet');
  const config = { dataDir, secretsKeyFile: null };
  t.same(secretsKeyLocation(config), { file: join(dataDir, 'secrets.key'), configured: false });
  const first = openSecretsKey(config);
  t.equal(first.file, join(dataDir, 'secrets.key'));
  const stats = statSync(first.file);
  t.equal(stats.mode & 0o777, 0o600);
  t.equal(stats.size, SECRETS_KEY_BYTES);
  t.equal(statSync(dataDir).mode & 0o077, 0, 'a data dir made for the key is closed to group and others');
  t.match(first.id, /^[A-Za-z0-9_-]{11}$/);
  const bytes = readFileSync(first.file);
  t.equal(openSecretsKey(config).id, first.id, 'the same key at the next start');
  t.same(readFileSync(first.file), bytes, 'never rewritten');
  t.same(readdirSync(dataDir), ['secrets.key'], 'no temporary file left behind');

  const other = openSecretsKey({ dataDir: join(tempDir(t), 'd'), secretsKeyFile: null });
  t.not(other.id, first.id, 'each new key is random');
});

t.test('creation never replaces an existing key', async (t) => {
  const dir = tempDir(t);
  const file = keyFile(dir, Buffer.alloc(SECRETS_KEY_BYTES, 7), 0o600);
  t.equal(createSecretsKeyFile(file), false);
  t.same(readFileSync(file), Buffer.alloc(SECRETS_KEY_BYTES, 7));
  const init = initSecretsKey({ dataDir: dir, secretsKeyFile: file });
  t.equal(init.created, false);
  t.equal(init.key.id, readSecretsKeyFile(file).id);
  const fresh = initSecretsKey({ dataDir: dir, secretsKeyFile: join(dir, 'sub', 'new.key') });
  t.equal(fresh.created, true, 'init creates a configured file, and its folder');
  t.equal(statSync(join(dir, 'sub', 'new.key')).mode & 0o777, 0o600);
});

t.test('the key id depends on the key only, and tells keys apart', async (t) => {
  const dir = tempDir(t);
  const a = readSecretsKeyFile(keyFile(dir, Buffer.alloc(SECRETS_KEY_BYTES, 1), 0o600, 'a'));
  const a2 = readSecretsKeyFile(keyFile(dir, Buffer.alloc(SECRETS_KEY_BYTES, 1), 0o400, 'a2'));
  const b = readSecretsKeyFile(keyFile(dir, Buffer.alloc(SECRETS_KEY_BYTES, 2), 0o600, 'b'));
  t.equal(a.id, a2.id);
  t.not(a.id, b.id);
});

t.test('a configured key file must exist: the server never makes one where a shared key was expected', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'shared.key');
  t.throws(() => openSecretsKey({ dataDir: dir, secretsKeyFile: file }), {
    name: 'SecretsKeyError',
    message: /configured secrets key file .*shared\.key does not exist.*vigie server init --secrets-key-only/,
  });
  t.same(readdirSync(dir), [], 'nothing created');
  t.throws(() => readSecretsKeyFile(file), { name: 'SecretsKeyError', message: /shared\.key does not exist/ });
  const config = resolveConfig({ dataDir: dir }, { VIGIE_SECRETS_KEY_FILE: file });
  t.same(secretsKeyLocation(config), { file, configured: true }, 'VIGIE_SECRETS_KEY_FILE sets it');
  keyFile(dir, Buffer.alloc(SECRETS_KEY_BYTES, 3), 0o600, 'shared.key');
  t.equal(openSecretsKey(config).file, file);
});

t.test('a key readable or writable by group or others is refused, naming the mode and the fix', async (t) => {
  const dir = tempDir(t);
  const bytes = Buffer.alloc(SECRETS_KEY_BYTES, 9);
  for (const mode of [0o600, 0o400, 0o700, 0o200]) {
    t.doesNotThrow(() => readSecretsKeyFile(keyFile(dir, bytes, mode, `ok-${mode.toString(8)}`)), `mode ${mode.toString(8)} accepted`);
  }
  for (const mode of [0o601, 0o602, 0o604, 0o610, 0o620, 0o640, 0o644, 0o666]) {
    const file = keyFile(dir, bytes, mode, `bad-${mode.toString(8)}`);
    const shown = mode.toString(8).padStart(4, '0');
    t.throws(() => readSecretsKeyFile(file), { name: 'SecretsKeyError', message: new RegExp(`has mode ${shown}: group and others must have no access.*chmod 600`) }, `mode ${shown} refused`);
  }
  // The default file too: an existing but open key is not silently fixed or replaced.
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  keyFile(dataDir, bytes, 0o644, 'secrets.key');
  t.throws(() => openSecretsKey({ dataDir, secretsKeyFile: null }), { name: 'SecretsKeyError', message: /mode 0644/ });
  t.equal(statSync(join(dataDir, 'secrets.key')).mode & 0o777, 0o644, 'left as it was');
});

t.test('a key of the wrong size, not a file, or unreadable is refused', async (t) => {
  const dir = tempDir(t);
  for (const size of [0, 1, SECRETS_KEY_BYTES - 1, SECRETS_KEY_BYTES + 1, 44, 64]) {
    const file = keyFile(dir, Buffer.alloc(size, 5), 0o600, `size-${size}`);
    t.throws(() => readSecretsKeyFile(file), { name: 'SecretsKeyError', message: new RegExp(`holds ${size} bytes; a secrets key is exactly 32 bytes`) }, `${size} bytes`);
  }
  t.doesNotThrow(() => readSecretsKeyFile(keyFile(dir, Buffer.alloc(SECRETS_KEY_BYTES, 5), 0o600, 'size-32')));
  const folder = join(dir, 'folder.key');
  mkdirSync(folder, { mode: 0o700 });
  t.throws(() => readSecretsKeyFile(folder), { name: 'SecretsKeyError', message: /folder\.key is not a regular file/ });
  // Runs as root in CI, where modes do not stop reading: a path through a file is unreadable for anyone.
  const through = join(keyFile(dir, Buffer.alloc(1), 0o600, 'plain'), 'secrets.key');
  t.throws(() => readSecretsKeyFile(through), { name: 'SecretsKeyError', message: /cannot be read \(ENOTDIR\)/ });
  t.throws(() => openSecretsKey({ dataDir: dir, secretsKeyFile: through }), { name: 'SecretsKeyError', message: /cannot be read \(ENOTDIR\)/ });
  t.throws(() => createSecretsKeyFile(join(dir, 'plain', 'x', 'secrets.key')), /ENOTDIR/);
});

t.test('the key never shows in errors, JSON or inspection', async (t) => {
  const dir = tempDir(t);
  const bytes = Buffer.from('0123456789abcdef0123456789ABCDEF');
  const key = readSecretsKeyFile(keyFile(dir, bytes, 0o600));
  const shown = `${JSON.stringify(key)} ${inspect(key, { depth: 5, showHidden: true })}`;
  for (const form of [bytes.toString('utf8'), bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url')]) {
    t.notOk(shown.includes(form), 'key bytes absent');
  }
  t.match(JSON.parse(JSON.stringify(key)), { id: key.id, key: {}, file: key.file });
  for (const [name, content, mode] of [['long', Buffer.concat([bytes, Buffer.from('!')]), 0o600], ['open', bytes, 0o644]] as const) {
    const file = keyFile(dir, content, mode, name);
    const error = thrown(() => readSecretsKeyFile(file));
    t.match(error.message, name === 'long' ? /holds 33 bytes/ : /mode 0644/);
    t.notOk(error.message.includes(bytes.toString('utf8').slice(0, 8)), `${name}: the content is not in the message`);
  }
});
