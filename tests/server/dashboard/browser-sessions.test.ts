// Page 10 (Séances) in a real browser: a live session through a running bastion (real ssh and sshd)
// is cut from the page; a sealed recording plays in asciinema-player (the only page whose CSP
// allows 'wasm-unsafe-eval') and its text transcript shows and searches; downloads are offered
// with their SHA-256 and the signature status. Zero CSP and axe violations on each page.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { AsciicastWriter } from '../../../server/bastion/asciicast-writer.js';
import { initBastionKeys, loadRecordingKey } from '../../../server/bastion/keys.js';
import { sealRecording } from '../../../server/bastion/manifest.js';
import { SessionEventBus } from '../../../server/bastion/session-events.js';
import { endBastionSession, insertBastionSession, listBastionSessions } from '../../../server/db/bastion-sessions.js';
import { checkPage, launchBrowser, openPage } from '../../helpers/browser.js';
import { requireSshd, startSshd } from '../../helpers/sshd.js';
import { MemoryAuthority } from '../bastion/memory-authority.js';
import { addVendor, collectRun, spawnSsh, startTestBastion, waitFor } from '../bastion/harness.js';
import { dashboardServer, signIn, userWithMfa } from './fixture.js';

const SHOTS = 'dashboard-sessions';
const SEALED = '33333333-3333-4333-8333-333333333333';

requireSshd('browser-sessions.test.ts');

t.test('sessions pages in chromium: cut a live session, play a sealed recording, search its transcript', async (t) => {
  // The app follows the sessions of the bastion started below (the same event bus and replica id, as
  // `vigie server start` wires them), for the page's read-only live view.
  const events = new SessionEventBus();
  const replica = 'browser-test:1:live';
  const d = await dashboardServer(t, 'sqlite', undefined, {
    bastion: (dataDir) => {
      initBastionKeys(dataDir);
      return { recordingsDir: join(dataDir, 'recordings'), recordingPublicKey: loadRecordingKey(dataDir).publicKey, events, replica };
    },
  });
  const key = loadRecordingKey(d.dataDir);

  // A sealed recording with output, input, a warning and the cut as markers.
  const now = d.clock.now();
  await insertBastionSession(d.db, {
    session_id: SEALED, grant_id: 'g-old', request_id: 'r-old', user_id: 'u-x', username: 'jdupont', target_id: 't-x', target_name: 'irm-vallee-01',
    source_ip: '192.0.2.7', replica: 'h:1:x', started_at: now, not_after: new Date(now.getTime() + 60_000), recording_dir: SEALED, input_recorded: true,
  });
  const dir = join(d.dataDir, 'recordings', SEALED);
  mkdirSync(dir, { recursive: true });
  const writer = new AsciicastWriter(join(dir, 'ch1-shell.cast'), { width: 80, height: 24, timestamp: 1, title: 'irm' }, () => undefined);
  writer.marker('grant g-old window 08:00 -> 09:00 UTC');
  writer.output(Buffer.from('\u001b[1mroot@irm\u001b[0m:~# '));
  writer.input(Buffer.from('cat /etc/irm.conf\r'));
  writer.output(Buffer.from('cat /etc/irm.conf\r\nhello-from-irm <img src=x onerror=alert(1)>\r\n'));
  writer.marker('Vigie: la fenêtre se ferme dans 1 min');
  await writer.close('cut: window_end');
  const sealed = await sealRecording(dir, {
    session_id: SEALED, request_id: 'r-old', grant_id: 'g-old', user: 'jdupont', target: 'irm-vallee-01', source_ip: '192.0.2.7',
    started_at: now.toISOString(), ended_at: now.toISOString(), end_reason: 'window_end', input_recorded: true,
  }, key);
  await endBastionSession(d.db, SEALED, {
    ended_at: now, end_reason: 'window_end', bytes_from_client: 18, bytes_to_client: 70, manifest_sha256: sealed.manifestSha256, signed_sha256: sealed.signedSha256,
    retain_until: new Date(now.getTime() + 86_400_000),
  });

  // A live session through a running bastion on the same database and data dir.
  const sshd = await startSshd();
  t.teardown(() => sshd.stop());
  const authority = new MemoryAuthority();
  const bastion = await startTestBastion(t, { db: d.db, dataDir: d.dataDir, authority, events, replica });
  const vendor = await addVendor(d.db, bastion.secretsKey, bastion.clientDir, 'acme-tech', bastion.clock.now());
  authority.keys.set(vendor.userId, [{ fingerprint: vendor.key.fingerprint, publicKey: vendor.key.publicKey }]);
  authority.targets.set('ct-01', {
    target: { targetId: 't-ct', name: 'ct-01', host: '127.0.0.1', port: sshd.port, hostKeyFingerprint: sshd.hostKey.fingerprint, channels: { shell: true, exec: true, sftp: false, forwardPorts: [] }, recordInput: true },
    credential: { username: 'root', kind: 'key', privateKey: sshd.deviceKey.privateKey },
    failingRules: [],
  });
  const real = bastion.clock.now().getTime();
  authority.grants.push({ grantId: 'g-live', requestId: 'r-live', userId: vendor.userId, targetName: 'ct-01', notBefore: new Date(real - 60_000).toISOString(), notAfter: new Date(real + 3600_000).toISOString(), revoked: false });
  const child = spawnSsh(bastion, vendor, 'acme-tech+ct-01', ['cat']);
  const done = collectRun(child, 60_000);
  let echoed = '';
  child.stdout?.on('data', (b: Buffer) => (echoed += b.toString()));
  child.stdin?.write('live-line\n');
  await waitFor(() => echoed.includes('live-line'), 15_000, 'the live session');

  const rssi = await userWithMfa(d, 'rssi-page', 'rssi');
  const browser = await launchBrowser(t);
  const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
  await signIn(page, d, rssi);

  // The read-only live view, in a second tab: what the device shows appears as it comes.
  const [liveRow] = await listBastionSessions(d.db, { state: 'live' });
  const livePage = await page.context().newPage();
  await livePage.goto(`/sessions/${liveRow!.session_id}`);
  await livePage.waitForFunction(() => document.getElementById('live-state')?.textContent?.includes('Suivi en direct'), undefined, { timeout: 15_000 });
  child.stdin?.write('typed-while-watched <b>bold</b>\n');
  await livePage.waitForFunction(() => document.querySelector('pre[data-live-src]')?.textContent?.includes('typed-while-watched <b>bold</b>'), undefined, { timeout: 15_000 });
  t.equal(await livePage.locator('pre[data-live-src] b').count(), 0, 'the device output is shown as text');
  t.equal(await livePage.locator('main input:not(#q), main textarea, main [contenteditable]').count(), 0, 'nothing to type into the session (only the transcript search field)');
  await checkPage(t, livePage, SHOTS, 'session-live');

  await page.goto('/sessions');
  t.match(await page.textContent('h1'), /Séances de télémaintenance/);
  t.match(await page.textContent('main'), /acme-tech/);
  t.match(await page.textContent('main'), /signé, intègre/);
  await checkPage(t, page, SHOTS, 'sessions');
  await Promise.all([page.waitForURL('**/sessions?notice=cut'), page.click('form[action$="/cut"] button')]);
  t.match(await page.textContent('main [role=status]'), /Coupure demandée/);
  const run = await done;
  t.match(run.stderr, /coupée par la sécurité/);
  await livePage.waitForFunction(() => document.getElementById('live-state')?.textContent?.includes('Séance terminée'), undefined, { timeout: 15_000 });
  t.match(await livePage.textContent('#live-state'), /Séance terminée : coupée/);
  t.match(await livePage.textContent('pre[data-live-src]'), /▶ .*coupée par la sécurité/, 'the cut line, as the vendor saw it');
  await livePage.close();
  await waitFor(async () => (await listBastionSessions(d.db, { state: 'live' })).length === 0, 10_000, 'the live session to end');
  const cutRow = (await listBastionSessions(d.db, { state: 'ended' })).find((s) => s.username === 'acme-tech');
  t.match(cutRow, { end_reason: 'cut', cut_requested_by: 'user:rssi-page' });

  await page.goto(`/sessions/${SEALED}`);
  await page.waitForSelector('.player .ap-player, .player .ap-wrapper', { timeout: 15_000 });
  t.pass('asciinema-player started on the sealed recording');
  // Play it: the player's own terminal then shows the device's output.
  await page.click('.player .ap-overlay-start, .player .ap-playback-button');
  await page.waitForFunction(() => document.querySelector('.player .ap-term')?.textContent?.includes('hello-from-irm'), undefined, { timeout: 15_000 });
  t.match(await page.textContent('.player .ap-term'), /root@irm:~# cat \/etc\/irm\.conf/, 'the recording played in the player');
  const transcript = (await page.textContent('pre.transcript')) ?? '';
  t.match(transcript, /hello-from-irm <img src=x onerror=alert\(1\)>/, 'hostile output shown as text');
  t.match(transcript, /▶ Vigie: la fenêtre se ferme dans 1 min/);
  t.equal(await page.locator('main img').count(), 0, 'no element came from the recording');
  t.match(await page.textContent('main'), new RegExp(sealed.signedSha256));
  t.equal(await page.locator('a[download]').count(), 4, 'four files to download');
  await checkPage(t, page, SHOTS, 'session-playback');
  await page.fill('#q', 'hello-from');
  await Promise.all([page.waitForLoadState('load'), page.click('form[role=search] button')]);
  t.match(await page.textContent('main [role=status]'), /1 lignes correspondent/);
  t.notMatch((await page.textContent('pre.transcript')) ?? '', /root@irm/);
});
