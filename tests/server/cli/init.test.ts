import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { runCli } from '../../../server/cli/run.js';
import { readSecretsKeyFile } from '../../../server/secrets/secrets-key.js';
import { startServer } from '../../../server/start.js';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-init-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

t.test('vigie server init creates the secrets key (0600) and never replaces it, not even with --force', async (t) => {
  const dataDir = tempDir(t);
  const file = join(dataDir, 'secrets.key');
  const first = await cli(['server', 'init', '--data-dir', dataDir, '--hostname', 'vigie.local']);
  t.equal(first.code, 0, first.err);
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.equal(statSync(file).size, 32);
  const key = readSecretsKeyFile(file);
  t.match(first.out, new RegExp(`Secrets key created: .*secrets\\.key \\(key id ${key.id}\\)\\. Back it up apart from the database`));
  t.match(first.out, /pin this on agents/, 'the certificates are made too');
  const bytes = readFileSync(file);

  const refused = await cli(['server', 'init', '--data-dir', dataDir]);
  t.equal(refused.code, 1, 'the TLS material is kept without --force');
  t.match(refused.out, /Secrets key already present, kept/);
  const forced = await cli(['server', 'init', '--data-dir', dataDir, '--force', '--json', '--hostname', 'vigie.local']);
  t.equal(forced.code, 0, forced.err);
  t.match(JSON.parse(forced.out), { secrets_key: { file, key_id: key.id, created: false }, fingerprint_sha256: /^[0-9a-f]{64}$/ });
  t.same(readFileSync(file), bytes, '--force replaces certificates, never the key');
});

t.test('--secrets-key-only and a configured key file (flag or VIGIE_SECRETS_KEY_FILE); the server then uses it', async (t) => {
  const dataDir = tempDir(t);
  const shared = join(tempDir(t), 'etc', 'shared.key');
  const only = await cli(['server', 'init', '--data-dir', dataDir, '--secrets-key-only', '--secrets-key-file', shared, '--json']);
  t.equal(only.code, 0, only.err);
  const key = readSecretsKeyFile(shared);
  t.same(JSON.parse(only.out), { secrets_key: { file: shared, key_id: key.id, created: true } });
  t.notOk(existsSync(join(dataDir, 'tls')), 'no certificates made');
  t.notOk(existsSync(join(dataDir, 'secrets.key')), 'no key in the data dir');

  const viaEnv = await cli(['server', 'init', '--data-dir', dataDir, '--secrets-key-only'], { VIGIE_SECRETS_KEY_FILE: shared });
  t.equal(viaEnv.code, 0);
  t.match(viaEnv.out, new RegExp(`already present, kept: .*shared\\.key \\(key id ${key.id}\\)`));

  const server = await startServer({ dataDir, port: 0, logLevel: 'silent' }, { env: { VIGIE_SECRETS_KEY_FILE: shared } });
  t.teardown(() => server.close());
  t.notOk(existsSync(join(dataDir, 'secrets.key')), 'the server used the configured key, and made none');
  t.equal(server.config.secretsKeyFile, shared);
});
