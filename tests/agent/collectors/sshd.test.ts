import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { MfaEvidence } from '../../../policies/evidence.js';
import { parseAuthorizedKeys } from '../../../agent/collectors/parse-authorized-keys.js';
import { parseSshdT } from '../../../agent/collectors/parse-sshd.js';
import { collectSshd } from '../../../agent/collectors/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-sshd-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// sshd -T needs its privilege separation directory. The collector never creates it (it must not
// change the host); this test does, as root, and removes it again if it was not there.
const privsep = '/run/sshd';
if (!existsSync(privsep)) {
  mkdirSync(privsep, { mode: 0o755 });
  t.teardown(() => rmdirSync(privsep));
}

// sshd refuses to start (even for -T) without a host key: give it a throwaway one.
const hostKey = join(dir, 'ssh_host_ed25519_key');
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);

function writeConfig(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, [`HostKey ${hostKey}`, ...lines, ''].join('\n'));
  return path;
}

t.test('live sshd -T: AuthenticationMethods publickey is reported as such', async (t) => {
  const configPath = writeConfig('single.conf', [
    'AuthenticationMethods publickey',
    'PermitRootLogin no',
    'AllowUsers alice bob@10.0.0.0/8',
    'AllowGroups sshadmins',
    'ListenAddress 10.20.0.5:22',
    'X11Forwarding no',
  ]);
  const sshd = await collectSshd({ configPath });
  t.ok(Value.Check(MfaEvidence, { sshd }), 'matches the report contract');
  if (!('installed' in sshd) || !sshd.settings) throw new Error(`sshd unavailable: ${JSON.stringify(sshd)}`);
  t.equal(sshd.installed, true);
  t.equal(sshd.settings.authenticationmethods, 'publickey');
  t.equal(sshd.settings.permitrootlogin, 'no');
  t.same(sshd.settings.allowusers, ['alice', 'bob@10.0.0.0/8']);
  t.same(sshd.settings.allowgroups, ['sshadmins']);
  t.same(sshd.settings.listenaddress, ['10.20.0.5:22']);
  t.equal(sshd.settings.x11forwarding, 'no');
  t.equal(sshd.settings.permitemptypasswords, 'no');
});

t.test('live sshd -T: publickey,keyboard-interactive:pam with UsePAM yes', async (t) => {
  const configPath = writeConfig('two-factors.conf', [
    'AuthenticationMethods publickey,keyboard-interactive:pam',
    'UsePAM yes',
    'KbdInteractiveAuthentication yes',
    'PasswordAuthentication no',
    'PubkeyAuthOptions verify-required',
  ]);
  const sshd = await collectSshd({ configPath });
  if (!('installed' in sshd) || !sshd.settings) throw new Error(`sshd unavailable: ${JSON.stringify(sshd)}`);
  t.equal(sshd.settings.authenticationmethods, 'publickey,keyboard-interactive:pam');
  t.equal(sshd.settings.usepam, 'yes');
  t.equal(sshd.settings.kbdinteractiveauthentication, 'yes');
  t.equal(sshd.settings.passwordauthentication, 'no');
  t.equal(sshd.settings.pubkeyauthoptions, 'verify-required');
  t.same(sshd.settings.allowusers, []);
});

t.test('live sshd -T: a config sshd rejects gives unavailable with sshd\'s own message', async (t) => {
  const configPath = writeConfig('broken.conf', ['NoSuchKeyword yes']);
  const sshd = await collectSshd({ configPath });
  t.match(sshd, { unavailable: /sshd -T failed: .*Bad configuration option: NoSuchKeyword/ });
});

t.test('a missing sshd binary means sshd is not installed', async (t) => {
  t.same(await collectSshd({ binary: join(dir, 'no-such-sshd') }), { installed: false, settings: null });
});

t.test('sshd refusing for lack of /run/sshd: its stderr becomes the reason', async (t) => {
  // Replays what Debian's sshd prints when /run/sshd is missing (the collector must not create it).
  const fake = join(dir, 'fake-sshd');
  writeFileSync(fake, '#!/bin/sh\necho "Missing privilege separation directory: /run/sshd" >&2\nexit 255\n');
  chmodSync(fake, 0o755);
  t.same(await collectSshd({ binary: fake }), { unavailable: 'sshd -T failed: Missing privilege separation directory: /run/sshd' });
});

t.test('output that is not sshd -T gives unavailable', async (t) => {
  const fake = join(dir, 'fake-sshd-garbage');
  writeFileSync(fake, '#!/bin/sh\necho "<html>hello</html>"\n');
  chmodSync(fake, 0o755);
  t.match(await collectSshd({ binary: fake }), { unavailable: /sshd -T output not understood/ });
});

t.test('parseSshdT: older sshd prints several values per line; bounds are enforced', async (t) => {
  const settings = parseSshdT('port 22\nallowusers alice bob\nlistenaddress 0.0.0.0:22\nauthenticationmethods any\n');
  t.same(settings.allowusers, ['alice', 'bob']);
  t.equal(settings.authenticationmethods, 'any');
  t.equal(settings.usepam, null, 'a keyword sshd did not print stays null');
  t.throws(() => parseSshdT(''), /does not look like sshd -T/);
  t.throws(() => parseSshdT('port 22\nauthenticationmethods ' + 'x'.repeat(600)), /longer than 512/);
  t.throws(() => parseSshdT('port 22\n' + Array.from({ length: 300 }, (_, i) => `allowusers u${i}`).join('\n')), /more than 256 allowusers/);
  t.throws(() => parseSshdT('port 22\nThis Is Not sshd\n'), /unexpected sshd -T line/);
});

t.test('live sshd -T -C user=...: a Match block weakening one admin is seen', async (t) => {
  const configPath = writeConfig('match.conf', [
    'AuthenticationMethods publickey,keyboard-interactive:pam',
    'Match User alice',
    '  AuthenticationMethods publickey',
    '  PasswordAuthentication yes',
  ]);
  const sshd = await collectSshd({ configPath, adminUsers: ['alice', 'bob', 'x,user=root'] });
  t.ok(Value.Check(MfaEvidence, { sshd }));
  if (!('installed' in sshd)) throw new Error(sshd.unavailable);
  t.equal(sshd.settings?.authenticationmethods, 'publickey,keyboard-interactive:pam', 'global setting');
  t.match(sshd.per_user, [
    { user: 'alice', settings: { authenticationmethods: 'publickey', passwordauthentication: 'yes' } },
    { user: 'bob', settings: { authenticationmethods: 'publickey,keyboard-interactive:pam' } },
    { user: 'x,user=root', unavailable: 'not a valid user name' },
  ]);
});

t.test('admin users default to the members of sudo/wheel/admin; unknown when /etc/group is unreadable', async (t) => {
  const configPath = writeConfig('plain.conf', ['AuthenticationMethods publickey']);
  const root = join(dir, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/group'), 'sudo:x:27:alice\nusers:x:100:dave\n');
  writeFileSync(join(root, 'etc/passwd'), 'alice:x:1001:1001:Alice:/home/alice:/bin/bash\ndave:x:1003:100::/home/dave:/bin/sh\n');
  mkdirSync(join(root, 'home/alice/.ssh'), { recursive: true });
  writeFileSync(
    join(root, 'home/alice/.ssh/authorized_keys'),
    [
      '# admin keys',
      'verify-required sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIFakeFakeFake alice@yubikey',
      'from="10.0.0.0/8,192.168.1.1",no-touch-required sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhFake alice@old',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFake alice@laptop',
    ].join('\n'),
  );
  const sshd = await collectSshd({ configPath, fsRoot: root });
  t.ok(Value.Check(MfaEvidence, { sshd }), 'matches the report contract');
  t.match(sshd, { per_user: [{ user: 'alice', settings: { authenticationmethods: 'publickey' } }] });
  t.same((sshd as { authorized_keys?: unknown }).authorized_keys, [
    {
      user: 'alice',
      keys: [
        { type: 'sk-ssh-ed25519@openssh.com', verify_required: true, no_touch_required: false },
        { type: 'sk-ecdsa-sha2-nistp256@openssh.com', verify_required: false, no_touch_required: true },
        { type: 'ssh-ed25519', verify_required: false, no_touch_required: false },
      ],
    },
  ]);
  t.notMatch(JSON.stringify(sshd), /AAAA|laptop|10\.0\.0\.0/, 'no key material, comment or option value');
  t.equal((sshd as { per_user?: unknown[] }).per_user?.length, 1, 'dave is not an admin: not reported');
  const unknown = await collectSshd({ configPath, fsRoot: join(dir, 'nowhere') });
  t.notOk('per_user' in unknown, 'no reassuring empty list when admins are unknown');
});

t.test('authorized keys: command-provided keys, unreadable or malformed files, unknown users', async (t) => {
  const root = join(dir, 'root2');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'carol:x:1002:1002::/home/carol:/bin/bash\n');
  mkdirSync(join(root, 'home/carol/.ssh'), { recursive: true });
  writeFileSync(join(root, 'home/carol/.ssh/authorized_keys'), 'ssh-ed25519 AAAA carol\nnot-a-key AAAA\n');
  const configPath = writeConfig('keys.conf', ['AuthenticationMethods publickey']);
  const sshd = await collectSshd({ configPath, fsRoot: root, adminUsers: ['carol', 'zed'] });
  t.match(sshd, {
    authorized_keys: [
      { user: 'carol', unavailable: '.ssh/authorized_keys: line 2 has no known key type' },
      { user: 'zed', unavailable: 'user not found in /etc/passwd' },
    ],
  });
  writeFileSync(join(root, 'home/carol/.ssh/authorized_keys'), 'ssh-rsa AAAA carol\n');
  const withCommand = writeConfig('command.conf', ['AuthorizedKeysCommand /usr/local/bin/keys %u', 'AuthorizedKeysCommandUser nobody']);
  t.match(await collectSshd({ configPath: withCommand, fsRoot: root, adminUsers: ['carol'] }), {
    authorized_keys: [{ user: 'carol', unavailable: 'keys come from AuthorizedKeysCommand, not from files' }],
  });
  const sshdOk = await collectSshd({ configPath, fsRoot: root, adminUsers: ['carol'] });
  t.same((sshdOk as { authorized_keys?: unknown }).authorized_keys, [{ user: 'carol', keys: [{ type: 'ssh-rsa', verify_required: false, no_touch_required: false }] }]);
  t.match(sshdOk, { settings: { pubkeyacceptedalgorithms: /sk-ssh-ed25519@openssh.com/ } });
});

t.test('parseAuthorizedKeys: quoted options, certificates, bounds', async (t) => {
  t.same(parseAuthorizedKeys('command="echo a,b c",verify-required sk-ssh-ed25519@openssh.com AAAA x\n'), [
    { type: 'sk-ssh-ed25519@openssh.com', verify_required: true, no_touch_required: false },
  ]);
  t.same(parseAuthorizedKeys('cert-authority ssh-ed25519-cert-v01@openssh.com AAAA\n\n# c\n'), [
    { type: 'ssh-ed25519-cert-v01@openssh.com', verify_required: false, no_touch_required: false },
  ]);
  t.throws(() => parseAuthorizedKeys('command="unclosed ssh-ed25519 AAAA'), /unclosed quote/);
  t.throws(() => parseAuthorizedKeys('ssh-ed25519 AAAA\n'.repeat(257)), /more than 256 authorized keys/);
});
