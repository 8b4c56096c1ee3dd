// Second-factor enrolment of the local administrators read from the PAM modules' own files, in a
// throwaway file tree: enrolled, not enrolled, and unreadable (null, never false).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { SecondFactorEnrolment, type LocalAdmins, type PamEntry, type PamEvidence } from '../../../policies/evidence.js';
import { collectEnrolment } from '../../../agent/collectors/second-factor-enrolment.js';

const entry = (module: string, args: string[]): PamEntry => ({ type: 'auth', control: 'required', module, arguments: args, if_present: false, source: 'sshd', via: 'direct' });
const admins = (...names: string[]): LocalAdmins => ({
  members: [...names.map((name) => ({ name, kind: 'user' as const, last_interactive_logon_at: null })), { name: 'ALL (every user, sudoers)', kind: 'group', last_interactive_logon_at: null }],
  builtin_admin: { name: 'root', enabled: false, laps_managed: false, last_interactive_logon_at: null },
  daily_user_is_admin: null,
  logon_history_since: null,
});

function tree(t: { teardown(fn: () => void): void }): string {
  const root = mkdtempSync(join(tmpdir(), 'vigie-enrol-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc/security'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), ['alice:x:1001:1001::/home/alice:/bin/bash', 'bob:x:1002:1002::/home/bob:/bin/bash', 'carol:x:1003:1003::/home/carol:/bin/bash', ''].join('\n'));
  writeFileSync(join(root, 'etc/users.oath'), '# HOTP/T30 user pin secret\nHOTP/T30 alice - 3132333435363738393031323334353637383930\n');
  writeFileSync(join(root, 'etc/security/u2f_mappings'), 'bob:owBYtexample,es256,+presence\n');
  mkdirSync(join(root, 'home/carol'), { recursive: true });
  writeFileSync(join(root, 'home/carol/.google_authenticator'), 'SECRETLINE\n" TOTP_AUTH\n');
  return root;
}

t.test('each admin enrolled with the module that holds a credential for them, never a secret', async (t) => {
  const root = tree(t);
  const pam: PamEvidence = {
    services: [
      { service: 'sshd', entries: [entry('pam_oath.so', ['usersfile=/etc/users.oath', 'window=20']), entry('pam_google_authenticator.so', [])] },
      { service: 'sudo', entries: [entry('pam_u2f.so', ['authfile=/etc/security/u2f_mappings', 'cue'])] },
      { service: 'login', unavailable: 'no PAM file for login' },
    ],
  };
  const enrolment = await collectEnrolment(pam, admins('alice', 'bob', 'carol', 'dave'), { fsRoot: root });
  t.ok(Value.Check(SecondFactorEnrolment, enrolment));
  t.same(enrolment, {
    group: 'local administrators (sudo, wheel, admin, sudoers ALL)',
    members: [
      { user: 'alice', enrolled: true, method: 'totp (pam_oath)' },
      { user: 'bob', enrolled: true, method: 'u2f (pam_u2f)' },
      { user: 'carol', enrolled: true, method: 'totp (pam_google_authenticator)' },
      { user: 'dave', enrolled: null, method: null },
    ],
  }, 'dave has no passwd entry: his home (google_authenticator) cannot be looked at');
  t.notMatch(JSON.stringify(enrolment), /3132333435|owBY|SECRETLINE/);
});

t.test('no second-factor module: nobody enrolled; smart cards and unreadable files: null', async (t) => {
  const root = tree(t);
  const none = await collectEnrolment({ services: [{ service: 'sshd', entries: [entry('pam_unix.so', [])] }] }, admins('alice'), { fsRoot: root });
  t.same(none, { group: 'local administrators (sudo, wheel, admin, sudoers ALL)', members: [{ user: 'alice', enrolled: false, method: null }] });
  const card = await collectEnrolment({ services: [{ service: 'login', entries: [entry('pam_pkcs11.so', ['wait_for_card'])] }] }, admins('alice'), { fsRoot: root });
  t.match(card, { members: [{ user: 'alice', enrolled: null }] }, 'a card module maps certificates, not users');
  const missingFile = await collectEnrolment({ services: [{ service: 'sshd', entries: [entry('pam_oath.so', ['usersfile=/etc/none.oath'])] }] }, admins('alice'), { fsRoot: root });
  t.match(missingFile, { members: [{ user: 'alice', enrolled: false }] }, 'no users file: nobody has a token');
  if (process.getuid?.() !== 0) {
    chmodSync(join(root, 'etc/users.oath'), 0o000);
    const unreadable = await collectEnrolment({ services: [{ service: 'sshd', entries: [entry('pam_oath.so', [])] }] }, admins('alice'), { fsRoot: root });
    t.match(unreadable, { members: [{ user: 'alice', enrolled: null }] });
  } else {
    // root reads a 0000 file: a directory in the file's place gives the same read error (EISDIR).
    rmSync(join(root, 'etc/users.oath'));
    mkdirSync(join(root, 'etc/users.oath'));
    const unreadable = await collectEnrolment({ services: [{ service: 'sshd', entries: [entry('pam_oath.so', [])] }] }, admins('alice'), { fsRoot: root });
    t.match(unreadable, { members: [{ user: 'alice', enrolled: null }] }, 'a file that cannot be read is unknown, not "not enrolled"');
  }
  t.match(await collectEnrolment({ unavailable: 'no PAM directory' }, admins('alice')), { unavailable: /PAM stacks unreadable: no PAM directory/ });
  t.match(await collectEnrolment({ services: [] }, { unavailable: 'sudoers not readable' }), { unavailable: /local administrators unknown: sudoers not readable/ });
});
