import t from 'tap';
import { REPORT_MAX_BYTES } from '../../policies/evidence.js';
import { assertListenAllowed, ConfigError, DEFAULT_CONFIG, isLoopbackHost, resolveConfig } from '../../server/config.js';

t.test('defaults, then environment, then explicit input', async (t) => {
  t.same(resolveConfig({}, {}), DEFAULT_CONFIG);
  t.equal(DEFAULT_CONFIG.bodyLimit, REPORT_MAX_BYTES);
  t.equal(DEFAULT_CONFIG.dataDir, './vigie-data');
  const env = { VIGIE_DATA_DIR: '/srv/vigie', VIGIE_PORT: '9000', DATABASE_URL: 'postgres://u@db/vigie', VIGIE_HOST: '' };
  t.match(resolveConfig({}, env), { dataDir: '/srv/vigie', port: 9000, databaseUrl: 'postgres://u@db/vigie', host: '127.0.0.1' });
  t.match(resolveConfig({ dataDir: '/tmp/x', port: 0, host: undefined }, env), { dataDir: '/tmp/x', port: 0, host: '127.0.0.1' });
  t.equal(DEFAULT_CONFIG.secretsKeyFile, null, 'the key defaults to <dataDir>/secrets.key');
  const keyEnv = { VIGIE_SECRETS_KEY_FILE: '/etc/vigie/secrets.key' };
  t.equal(resolveConfig({}, keyEnv).secretsKeyFile, '/etc/vigie/secrets.key');
  t.equal(resolveConfig({ secretsKeyFile: '/run/keys/k' }, keyEnv).secretsKeyFile, '/run/keys/k', 'explicit input wins');
  t.throws(() => resolveConfig({ secretsKeyFile: '' }, {}), { name: 'ConfigError', message: /secretsKeyFile/ });
});

t.test('invalid values are refused with the field named', async (t) => {
  t.throws(() => resolveConfig({ port: 70000 }, {}), { name: 'ConfigError', message: /port/ });
  t.throws(() => resolveConfig({}, { VIGIE_PORT: 'eighty' }), { message: /port/ });
  t.throws(() => resolveConfig({ logLevel: 'loud' as never }, {}), { message: /logLevel/ });
  t.throws(() => resolveConfig({}, { DATABASE_URL: 'mysql://x' }), { message: /databaseUrl/ });
  t.throws(() => resolveConfig({ extra: 1 } as never, {}), ConfigError);
});

t.test('plain HTTP beyond loopback needs allowInsecureHttp', async (t) => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) t.ok(isLoopbackHost(host), host);
  for (const host of ['0.0.0.0', '::', '10.0.0.5', 'vigie.example', '128.0.0.1']) t.notOk(isLoopbackHost(host), host);
  t.doesNotThrow(() => assertListenAllowed(resolveConfig({}, {})));
  t.throws(() => assertListenAllowed(resolveConfig({ host: '0.0.0.0' }, {})), { name: 'ConfigError', message: /plain HTTP.*vigie server init/ });
  t.doesNotThrow(() => assertListenAllowed(resolveConfig({ host: '0.0.0.0', allowInsecureHttp: true }, {})));
});
