// `vigie server init`: create the server secrets key if absent, make a local CA and a server
// certificate in the data dir, and print the fingerprint agents pin. The server then serves HTTPS
// with them (server/start.ts).
import { hostname as osHostname } from 'node:os';
import { Type } from 'typebox';
import { resolveConfig } from '../config.js';
import { initSecretsKey } from '../secrets/secrets-key.js';
import { initBastionKeys } from '../bastion/keys.js';
import { fingerprintToBase64Url, initLocalPki, MAX_HOSTNAMES } from '../tls.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec } from './common.js';
import type { CliIo } from './io.js';
import { parseCommand } from './options.js';

export const SERVER_INIT_USAGE = `Usage: vigie server init [--hostname H ...] [--data-dir D] [--force] [--json]
                         [--secrets-key-file FILE] [--secrets-key-only]

Create the server secrets key if it does not exist (32 random bytes, mode 0600; <data dir>/secrets.key,
or --secrets-key-file / VIGIE_SECRETS_KEY_FILE): it seals the TOTP secrets stored in the database.
An existing key is never replaced, not even with --force. Back it up apart from the database.

Then create a small local certificate authority and a server certificate in <data dir>/tls (private
keys mode 0600) for sites without their own PKI, and print the server certificate's SHA-256
fingerprint, which agents pin. The certificate names every --hostname (DNS name or IP address;
default: this machine's hostname) plus localhost, 127.0.0.1 and ::1. \`vigie server start\` then
serves HTTPS. Existing material is kept unless --force is given (agents must then pin the new
fingerprint). --secrets-key-only skips the certificates (a site PKI, or a key shared by replicas).

Also create, if absent (never replaced), the SSH bastion's Ed25519 host key and its Ed25519 recording
key in <data dir>/bastion/ (mode 0600, outside the database like the secrets key), and print the host
key's fingerprint, which vendors pin, and the recording key's (recordings are signed with it); not
with --secrets-key-only. \`vigie server start\` runs the bastion when its host key exists.`;

const ServerInitOptions = Type.Object(
  {
    hostname: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: MAX_HOSTNAMES })),
    'data-dir': DataDirOption,
    force: Type.Optional(Type.Boolean()),
    json: JsonOption,
    'secrets-key-file': Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    'secrets-key-only': Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export async function serverInit(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie server init',
    args,
    {
      hostname: { type: 'string', multiple: true },
      ...dataDirSpec,
      force: { type: 'boolean' },
      ...jsonSpec,
      'secrets-key-file': { type: 'string' },
      'secrets-key-only': { type: 'boolean' },
    },
    ServerInitOptions,
  );
  const config = resolveConfig({ dataDir: options['data-dir'], secretsKeyFile: options['secrets-key-file'] }, io.env);
  const secrets = initSecretsKey(config);
  const secretsKey = { file: secrets.key.file, key_id: secrets.key.id, created: secrets.created };
  const secretsLine =
    `Secrets key ${secrets.created ? 'created' : 'already present, kept'}: ${secrets.key.file} (key id ${secrets.key.id}). ` +
    'Back it up apart from the database: without it, every user must enrol MFA again.';
  // In text, said at once: it stays true even if the certificates below are refused.
  if (options.json !== true) io.stdout(secretsLine);
  if (options['secrets-key-only'] === true) {
    if (options.json === true) io.stdout(JSON.stringify({ secrets_key: secretsKey }));
    return 0;
  }
  const bastion = initBastionKeys(config.dataDir);
  const bastionKeys = {
    ssh_host_key_fingerprint: bastion.hostKeyFingerprint,
    ssh_host_key_created: bastion.hostKeyCreated,
    recording_key_sha256: bastion.recordingKeyFingerprint,
    recording_key_created: bastion.recordingKeyCreated,
    recording_public_key: bastion.paths.recordingPublicKey,
  };
  if (options.json !== true) {
    io.stdout(
      [
        `SSH bastion host key ${bastion.hostKeyCreated ? 'created' : 'already present, kept'}: ${bastion.paths.hostKey}`,
        `  fingerprint (vendors pin it): ${bastion.hostKeyFingerprint}`,
        `Recording signing key ${bastion.recordingKeyCreated ? 'created' : 'already present, kept'}: ${bastion.paths.recordingKey}`,
        `  public key (to verify recordings offline): ${bastion.paths.recordingPublicKey} (SHA-256 ${bastion.recordingKeyFingerprint})`,
      ].join('\n'),
    );
  }
  const hostnames = options.hostname ?? [osHostname()];
  const pki = await initLocalPki(config.dataDir, { hostnames, force: options.force === true });
  if (options.json === true) {
    io.stdout(
      JSON.stringify({
        secrets_key: secretsKey,
        bastion: bastionKeys,
        fingerprint_sha256: pki.serverFingerprint,
        fingerprint_sha256_base64url: fingerprintToBase64Url(pki.serverFingerprint),
        ca_fingerprint_sha256: pki.caFingerprint,
        dns: pki.dns,
        ip: pki.ip,
        files: pki.paths,
      }),
    );
    return 0;
  }
  io.stdout(
    [
      `Local CA and server certificate written to ${pki.paths.dir}`,
      `  names: ${[...pki.dns, ...pki.ip].join(', ')}`,
      `  CA certificate (for agents that verify a chain): ${pki.paths.caCert}`,
      '',
      'Server certificate SHA-256 fingerprint (pin this on agents):',
      `  ${pki.serverFingerprint}`,
    ].join('\n'),
  );
  return 0;
}
