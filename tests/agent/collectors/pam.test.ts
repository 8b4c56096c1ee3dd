import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { PamEvidence } from '../../../policies/evidence.js';
import { adminGroupMembers } from '../../../agent/collectors/parse-group.js';
import { resolvePamStack } from '../../../agent/collectors/parse-pam.js';
import { collectPam } from '../../../agent/collectors/pam.js';
import { lockoutFromPam, parseFaillockConf } from '../../../agent/collectors/faillock.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-pam-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function pamRoot(t: { teardown(fn: () => void): void }, files: Record<string, string>, dir = 'etc/pam.d'): string {
  const root = tempDir(t);
  mkdirSync(join(root, dir), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, dir, name), text);
  return root;
}

// Debian 12's common-auth, as shipped (comments trimmed).
const DEBIAN_COMMON_AUTH = `auth\t[success=1 default=ignore]\tpam_unix.so nullok
auth\trequisite\t\t\tpam_deny.so
auth\trequired\t\t\tpam_permit.so
auth\toptional\t\t\tpam_cap.so
`;

t.test('Debian layout: @include resolved, u2f with its bypass option, comments and continuations', async (t) => {
  const root = pamRoot(t, {
    sshd: `# PAM configuration for the Secure Shell service
auth required pam_u2f.so authfile=/etc/u2f_mappings cue \\
     nouserok
@include common-auth
account    required     pam_nologin.so
session    optional     pam_mail.so standard noenv # [1]
`,
    'common-auth': DEBIAN_COMMON_AUTH,
    sudo: '#%PAM-1.0\nsession required pam_limits.so\n@include common-auth\n@include common-account\n',
    'common-account': 'account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so\n',
  });
  const pam = await collectPam({ fsRoot: root, platform: 'linux' });
  t.ok(Value.Check(PamEvidence, pam), 'matches the report contract');
  if ('unavailable' in pam) throw new Error(pam.unavailable);
  const [sshd, sudo, login] = pam.services;
  t.same(sshd, {
    service: 'sshd',
    entries: [
      { type: 'auth', control: 'required', module: 'pam_u2f.so', arguments: ['authfile=/etc/u2f_mappings', 'cue', 'nouserok'], if_present: false, source: 'sshd', via: 'direct' },
      { type: 'auth', control: '[success=1 default=ignore]', module: 'pam_unix.so', arguments: ['nullok'], if_present: false, source: 'common-auth', via: 'include' },
      { type: 'auth', control: 'requisite', module: 'pam_deny.so', arguments: [], if_present: false, source: 'common-auth', via: 'include' },
      { type: 'auth', control: 'required', module: 'pam_permit.so', arguments: [], if_present: false, source: 'common-auth', via: 'include' },
      { type: 'auth', control: 'optional', module: 'pam_cap.so', arguments: [], if_present: false, source: 'common-auth', via: 'include' },
      { type: 'account', control: 'required', module: 'pam_nologin.so', arguments: [], if_present: false, source: 'sshd', via: 'direct' },
      { type: 'session', control: 'optional', module: 'pam_mail.so', arguments: ['standard', 'noenv'], if_present: false, source: 'sshd', via: 'direct' },
    ],
  });
  t.match(sudo, { service: 'sudo', entries: [{ module: 'pam_limits.so' }, { module: 'pam_unix.so' }, {}, {}, {}, { type: 'account', source: 'common-account' }] });
  t.same(login, { service: 'login', unavailable: 'no PAM file for login' });
});

t.test('Red Hat layout: "include" and "substack" take only lines of their type; vendor dir fallback', async (t) => {
  const root = pamRoot(
    t,
    {
      sshd: `#%PAM-1.0
auth       substack     password-auth
auth       include      postlogin
-auth      optional     pam_reauthorize.so prepare
account    include      password-auth
password   include      password-auth
`,
      'password-auth': `auth        required      pam_env.so
auth        [default=1 ignore=ignore success=ok] pam_usertype.so isregular
auth        sufficient    pam_unix.so nullok
auth        required      pam_google_authenticator.so nullok secret=/var/lib/ga/\${USER}
account     required      pam_unix.so
password    sufficient    pam_unix.so sha512 shadow use_authtok
session     required      pam_unix.so
`,
      postlogin: 'session optional pam_lastlog.so silent\n',
    },
    'usr/lib/pam.d',
  );
  const pam = await collectPam({ fsRoot: root, platform: 'linux', services: ['sshd'] });
  if ('unavailable' in pam) throw new Error(pam.unavailable);
  const entries = pam.services[0] && 'entries' in pam.services[0] ? pam.services[0].entries : [];
  t.same(
    entries.map((e) => `${e.type} ${e.control} ${e.module} ${e.arguments.join(' ')} | ${e.source} ${e.via}${e.if_present ? ' if-present' : ''}`),
    [
      'auth required pam_env.so  | password-auth substack',
      'auth [default=1 ignore=ignore success=ok] pam_usertype.so isregular | password-auth substack',
      'auth sufficient pam_unix.so nullok | password-auth substack',
      'auth required pam_google_authenticator.so nullok secret=<redacted> | password-auth substack',
      'auth optional pam_reauthorize.so prepare | sshd direct if-present',
      'account required pam_unix.so  | password-auth include',
      'password sufficient pam_unix.so sha512 shadow use_authtok | password-auth include',
    ],
    'postlogin has no auth line; session lines of password-auth are not included',
  );
});

t.test('broken stacks give unavailable for that service, with the reason', async (t) => {
  const root = pamRoot(t, {
    sshd: '@include common-auth\n',
    sudo: '@include loop-a\n',
    'loop-a': '@include loop-b\n',
    'loop-b': '@include loop-a\n',
    login: 'auth requird\n',
  });
  const pam = await collectPam({ fsRoot: root, platform: 'linux' });
  t.same(pam, {
    services: [
      { service: 'sshd', unavailable: 'sshd includes common-auth, which does not exist' },
      { service: 'sudo', unavailable: 'PAM include loop: sudo -> loop-a -> loop-b -> loop-a' },
      { service: 'login', unavailable: 'login line 1: missing module' },
    ],
  });
  t.match(await collectPam({ fsRoot: tempDir(t), platform: 'linux' }), { unavailable: /no \/etc\/pam.d/ });
  t.match(await collectPam({ platform: 'win32' }), { unavailable: 'PAM does not exist on win32' });
});

t.test('live: this host\'s own sshd stack resolves (Debian 12)', async (t) => {
  const pam = await collectPam();
  t.ok(Value.Check(PamEvidence, pam));
  if ('unavailable' in pam) throw new Error(pam.unavailable);
  const sshd = pam.services.find((s) => s.service === 'sshd');
  t.match(sshd, { entries: [{ type: 'auth', module: 'pam_unix.so', arguments: ['nullok'], source: 'common-auth', via: 'include' }] });
});

t.test('parser edge cases', async (t) => {
  const files: Record<string, string> = {
    a: 'auth [success=done new_authtok_reqd=done default=die] pam_exec.so [quiet expose_authtok] /usr/bin/x\nsession bogus\n',
    b: 'bogus required pam_x.so\n',
    c: 'auth [success=1 default=ignore pam_x.so\n',
    d: '@include\n',
    e: 'auth include\n',
  };
  const read = (name: string) => files[name] ?? null;
  t.throws(() => resolvePamStack('a', read), /a line 2: missing module/);
  files.a = (files.a ?? '').replace('session bogus\n', '');
  t.same(resolvePamStack('a', read)[0]?.arguments, ['[quiet expose_authtok]', '/usr/bin/x']);
  t.throws(() => resolvePamStack('b', read), /unknown PAM type "bogus"/);
  t.throws(() => resolvePamStack('c', read), /unclosed "\["/);
  t.throws(() => resolvePamStack('d', read), /@include without a file/);
  t.throws(() => resolvePamStack('e', read), /include without a file/);
  const deep: Record<string, string> = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, `@include f${i + 1}\n`]));
  t.throws(() => resolvePamStack('f0', (n) => deep[n] ?? null), /nested deeper than 8/);
  t.throws(() => resolvePamStack('big', () => 'auth required pam_x.so\n'.repeat(301)), /more than 300 lines/);
});

t.test('admin group members: listed and by primary group, only valid names', async (t) => {
  const group = 'root:x:0:\nsudo:x:27:alice,bob\nwheel:x:10:carol\nusers:x:100:dave\nadmin:x:115:\n';
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nerin:x:1004:115:Erin:/home/erin:/bin/bash\ndave:x:1003:100::/home/dave:/bin/sh\n';
  t.same(adminGroupMembers(group, passwd), ['alice', 'bob', 'carol', 'erin']);
  t.same(adminGroupMembers('sudo:x:27:ok,bad name,x;rm\n', ''), ['ok']);
});

t.test('lockout from pam_faillock / pam_tally2: arguments over faillock.conf over defaults', async (t) => {
  const root = pamRoot(t, {
    sshd: 'auth required pam_faillock.so preauth\n@include common-auth\nauth [default=die] pam_faillock.so authfail unlock_time=0\n',
    'common-auth': DEBIAN_COMMON_AUTH,
    login: 'auth required pam_tally2.so deny=5 unlock_time=120\n@include common-auth\n',
  });
  const pam = await collectPam({ fsRoot: root, platform: 'linux' });
  t.same(lockoutFromPam(pam, 'deny = 4\n# fail_interval = 60\nfail_interval=1800\nsilent\n'), {
    threshold: 4,
    duration_minutes: null,
    observation_window_minutes: 30,
    source: 'PAM sshd: pam_faillock.so + /etc/security/faillock.conf',
  });
  t.same(lockoutFromPam(pam, null), { threshold: 3, duration_minutes: null, observation_window_minutes: 15, source: 'PAM sshd: pam_faillock.so' });

  const loginOnly = await collectPam({ fsRoot: pamRoot(t, { sshd: '@include common-auth\n', 'common-auth': DEBIAN_COMMON_AUTH, login: 'auth required pam_tally2.so deny=5 unlock_time=120\n' }), platform: 'linux' });
  t.same(lockoutFromPam(loginOnly, 'deny = 1\n'), { threshold: 5, duration_minutes: 2, observation_window_minutes: 15, source: 'PAM login: pam_tally2.so' }, 'faillock.conf does not apply to pam_tally2');

  const none = await collectPam({ fsRoot: pamRoot(t, { sshd: '@include common-auth\n', 'common-auth': DEBIAN_COMMON_AUTH, login: '@include common-auth\n' }), platform: 'linux' });
  t.same(lockoutFromPam(none, null), { threshold: 0, duration_minutes: null, observation_window_minutes: null, source: 'PAM: no pam_faillock/pam_tally2 in the sshd or login auth stack' });

  t.match(lockoutFromPam({ unavailable: 'x' }, null), { unavailable: 'PAM stacks not readable: x' });
  const broken = await collectPam({ fsRoot: pamRoot(t, { sshd: '@include missing\n' }), platform: 'linux' });
  t.match(lockoutFromPam(broken, null), { unavailable: /PAM stack of sshd not readable: sshd includes missing/ });
  const bad = await collectPam({ fsRoot: pamRoot(t, { sshd: 'auth required pam_faillock.so deny=lots\n' }), platform: 'linux' });
  t.match(lockoutFromPam(bad, null), { unavailable: 'pam_faillock.so deny=lots is not a number' });
  t.same([...parseFaillockConf('deny=2\n  unlock_time = 900 # comment\n').entries()], [['deny', '2'], ['unlock_time', '900']]);
});

t.test('collectEvidence on this host reports a Linux lockout from its own PAM stacks', async (t) => {
  const { collectEvidence } = await import('../../../agent/collect.js');
  const evidence = await collectEvidence({ backupSources: [] });
  // Debian 12 as shipped has no pam_faillock in sshd or login.
  t.match(evidence.mfa, { lockout: { threshold: 0, source: /no pam_faillock/ } });
});
