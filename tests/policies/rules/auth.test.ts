import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { Report, SshdSettings } from '../../../policies/evidence.js';
import { packForRole } from '../../../policies/pack.js';
import { factorClass } from '../../../policies/rules/auth.js';
import { BUILDER_COLLECTED_AT, buildReport, withSshdSettings } from '../../helpers/report-builder.js';
import { shippedWith, verdictOf } from '../pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const auth01 = (report: Report, pack = packForRole('server')) => verdictOf(evaluate(report, pack, AT), 'AUTH-01');
const sshd = (settings: Partial<SshdSettings>) => auth01(withSshdSettings(buildReport(), settings));

t.test('two-factor method lists pass', async (t) => {
  for (const methods of ['publickey,keyboard-interactive:pam', 'publickey,password', 'keyboard-interactive:pam,publickey publickey,password']) {
    const v = sshd({ authenticationmethods: methods });
    t.equal(v.status, 'pass', methods);
  }
  t.match(sshd({}).explanation.en, /sshd requires two factors: AuthenticationMethods "publickey,keyboard-interactive:pam": every list combines two factors/);
});

t.test('a single factor, "any" or same-class lists fail', async (t) => {
  const cases: Partial<SshdSettings>[] = [
    { authenticationmethods: 'publickey' },
    { authenticationmethods: 'any', passwordauthentication: 'yes' },
    { authenticationmethods: 'any', passwordauthentication: 'no', kbdinteractiveauthentication: 'no' },
    { authenticationmethods: 'password,keyboard-interactive' },
    { authenticationmethods: 'publickey,keyboard-interactive:pam publickey' },
    { authenticationmethods: 'publickey,hostbased' },
  ];
  for (const c of cases) {
    const v = sshd(c);
    t.equal(v.status, 'fail', JSON.stringify(c));
    t.match(v.explanation.en, /a single factor is enough/);
    t.same(v.evidence, ['/mfa/sshd/settings/authenticationmethods']);
  }
  t.match(sshd({ authenticationmethods: 'any', passwordauthentication: 'yes' }).explanation.en, /\(publickey password keyboard-interactive\)/);
  t.equal(factorClass('keyboard-interactive:pam'), 'knowledge');
  t.equal(factorClass('publickey'), 'possession');
  t.equal(factorClass('none'), null);
});

t.test('publickey alone passes only with verify-required (FIDO assumption, explained)', async (t) => {
  const v = sshd({ authenticationmethods: 'publickey', pubkeyauthoptions: 'verify-required' });
  t.equal(v.status, 'pass');
  t.match(v.explanation.en, /on the assumption of FIDO sk-\* keys with user verification/);
  t.match(v.explanation.fr, /en supposant des clés FIDO sk-\*/);
  t.equal(sshd({ authenticationmethods: 'any', passwordauthentication: 'no', kbdinteractiveauthentication: 'no', pubkeyauthoptions: 'touch-required,verify-required' }).status, 'pass');
  t.equal(sshd({ authenticationmethods: 'any', passwordauthentication: 'yes', pubkeyauthoptions: 'verify-required' }).status, 'fail', 'password alone still possible');
  t.equal(sshd({ authenticationmethods: 'publickey', pubkeyauthoptions: 'touch-required' }).status, 'fail');
  const strict = shippedWith('server', 'AUTH-01', { accept_fido_verify_required: false });
  t.equal(auth01(withSshdSettings(buildReport(), { authenticationmethods: 'publickey', pubkeyauthoptions: 'verify-required' }), strict).status, 'fail');
});

t.test('PermitRootLogin: no passes, prohibit-password warns (configurable), yes fails', async (t) => {
  t.equal(sshd({ permitrootlogin: 'prohibit-password' }).status, 'warn');
  t.equal(sshd({ permitrootlogin: 'without-password' }).status, 'warn');
  const strict = shippedWith('server', 'AUTH-01', { permit_root_login_prohibit_password: 'fail' });
  t.equal(auth01(withSshdSettings(buildReport(), { permitrootlogin: 'prohibit-password' }), strict).status, 'fail');
  const yes = sshd({ permitrootlogin: 'yes' });
  t.equal(yes.status, 'fail');
  t.match(yes.explanation.en, /PermitRootLogin yes: direct root login allowed/);
});

t.test('every failing item is explained', async (t) => {
  const v = sshd({ permitemptypasswords: 'yes', x11forwarding: 'yes', allowusers: [], allowgroups: [], permitrootlogin: 'prohibit-password' });
  t.equal(v.status, 'fail');
  t.match(v.explanation.en, /^4 sshd setting\(s\) to fix: /);
  t.match(v.explanation.en, /PermitEmptyPasswords is "yes" \(expected: no\)/);
  t.match(v.explanation.en, /X11Forwarding is "yes"/);
  t.match(v.explanation.en, /Neither AllowUsers nor AllowGroups is set/);
  t.match(v.explanation.en, /PermitRootLogin prohibit-password/);
  t.same(v.evidence.sort(), [
    '/mfa/sshd/settings/allowusers',
    '/mfa/sshd/settings/permitemptypasswords',
    '/mfa/sshd/settings/permitrootlogin',
    '/mfa/sshd/settings/x11forwarding',
  ]);
  t.equal(sshd({ allowgroups: [], allowusers: ['alice'] }).status, 'pass', 'AllowUsers alone is enough');
});

t.test('unreported settings are unknown; missing sshd is not_applicable', async (t) => {
  t.equal(sshd({ x11forwarding: null }).status, 'unknown');
  t.equal(sshd({ authenticationmethods: null }).status, 'unknown');
  t.equal(sshd({ permitrootlogin: null, x11forwarding: 'yes' }).status, 'fail', 'fail outranks unknown');
  const absent = auth01(buildReport({ mfa: { sshd: { installed: false, settings: null } } }));
  t.equal(absent.status, 'not_applicable');
  t.match(absent.explanation.en, /sshd is not installed/);
  const noConfig = auth01(buildReport({ mfa: { sshd: { installed: true, settings: null } } }));
  t.equal(noConfig.status, 'unknown');
  t.match(noConfig.explanation.en, /effective configuration was not reported/);
  const denied = auth01(buildReport({ mfa: { sshd: { unavailable: 'sshd -T: permission denied' } } }));
  t.equal(denied.status, 'unknown');
  t.match(denied.explanation.fr, /sshd -T: permission denied/);
});
