// `vigie server start`: listen until SIGINT/SIGTERM, then close gracefully.
import { Type } from 'typebox';
import { LOG_LEVELS, type ServerConfigInput } from '../config.js';
import { startServer } from '../start.js';
import { DataDirOption, dataDirSpec } from './common.js';
import type { CliIo } from './io.js';
import { parseCommand } from './options.js';

export const SERVER_START_USAGE = `Usage: vigie server start [--host H] [--port P] [--data-dir D] [--log-level L]
                          [--tls-cert FILE --tls-key FILE] [--allow-insecure-http]
                          [--secrets-key-file FILE]
                          [--ssh-port P] [--ssh-host H] [--no-ssh]

Start the Vigie server. Defaults: host 127.0.0.1, port 8443, data dir ./vigie-data (or VIGIE_DATA_DIR);
DATABASE_URL=postgres://... selects PostgreSQL. HTTPS is served with --tls-cert/--tls-key (or
VIGIE_TLS_CERT_FILE/VIGIE_TLS_KEY_FILE), else with the certificate \`vigie server init\` made in the
data dir. Without a certificate, a non-loopback --host is refused unless --allow-insecure-http is given.
The secrets key sealing TOTP secrets is <data dir>/secrets.key (created at first start) unless
--secrets-key-file (or VIGIE_SECRETS_KEY_FILE) names an existing one, e.g. shared by replicas.
The SSH bastion for vendors (docs/bastion.md) listens on --ssh-port (default 2222, VIGIE_SSH_PORT)
at --ssh-host (default: --host; VIGIE_SSH_HOST) with the keys \`vigie server init\` made (without them
and without --ssh-port, no bastion runs and the server says so); recordings go
to <data dir>/recordings (or VIGIE_RECORDINGS_DIR; the API, the pages and \`vigie recording\` read it too).
--no-ssh turns it off.
Log levels: ${LOG_LEVELS.join(', ')}.`;

const ServerStartOptions = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    'data-dir': DataDirOption,
    'log-level': Type.Optional(Type.Enum(LOG_LEVELS)),
    'allow-insecure-http': Type.Optional(Type.Boolean()),
    'tls-cert': Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    'tls-key': Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    'secrets-key-file': Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    'ssh-port': Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    'ssh-host': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    'no-ssh': Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export async function serverStart(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie server start',
    args,
    {
      host: { type: 'string' },
      port: { type: 'string' },
      ...dataDirSpec,
      'log-level': { type: 'string' },
      'allow-insecure-http': { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'secrets-key-file': { type: 'string' },
      'ssh-port': { type: 'string' },
      'ssh-host': { type: 'string' },
      'no-ssh': { type: 'boolean' },
    },
    ServerStartOptions,
  );
  const input: ServerConfigInput = {
    host: options.host,
    port: options.port,
    dataDir: options['data-dir'],
    logLevel: options['log-level'],
    allowInsecureHttp: options['allow-insecure-http'],
    tlsCertFile: options['tls-cert'],
    tlsKeyFile: options['tls-key'],
    secretsKeyFile: options['secrets-key-file'],
  };
  const server = await startServer(input, {
    env: io.env,
    // Without --ssh-port, a data dir that `vigie server init` did not prepare runs no bastion (said below).
    ssh: { enabled: options['no-ssh'] === true ? false : options['ssh-port'] === undefined ? 'if-initialised' : true, port: options['ssh-port'], host: options['ssh-host'] },
  });
  io.stdout(`Vigie server listening on ${server.url} (data: ${server.config.databaseUrl === null ? server.config.dataDir : 'PostgreSQL'})`);
  if (server.tlsFingerprint !== null) io.stdout(`Certificate SHA-256 fingerprint (agents pin it): ${server.tlsFingerprint}`);
  if (server.bastion !== null) io.stdout(`SSH bastion listening on port ${server.bastion.port} (host key ${server.bastion.hostKeyFingerprint})`);
  else if (options['no-ssh'] !== true) io.stdout('SSH bastion not started: no host key in the data dir (run `vigie server init`, or pass --no-ssh).');
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.stdout(`Received ${signal}, closing after in-flight requests.`);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  io.stdout('Vigie server stopped.');
  return 0;
}
