// The test sshd (tests/helpers/sshd.ts) records logins in the test's own /var/log, never in the
// machine's wtmp: a real login through the OpenSSH client lands in the test's wtmp.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { requireSshd, startSshd } from '../../helpers/sshd.js';

requireSshd('sshd-login-records.test.ts');

t.test('a login is recorded in the test sshd wtmp', async (t) => {
  const sshd = await startSshd();
  t.teardown(() => sshd.stop());
  const wtmp = join(sshd.logDir, 'wtmp');
  t.equal(statSync(wtmp).size, 0);
  const login = spawnSync(
    'ssh',
    ['-i', sshd.deviceKey.privateKeyFile, '-p', String(sshd.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-tt', `root@127.0.0.1`, 'true'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  t.equal(login.status, 0, login.stderr);
  // sshd writes the logout record as the session closes; wait for it, bounded.
  const deadline = Date.now() + 10_000;
  while (statSync(wtmp).size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.ok(statSync(wtmp).size > 0, 'the login went to the test wtmp (the machine /var/log is not mounted in sshd namespace)');
});
