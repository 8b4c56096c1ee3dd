// "Mes séances" in a real browser, as a vendor technician: the list shows the vendor's own sessions
// (device, request, start/end, bytes, how each ended, signature status) and no other vendor's; its
// session's page plays the signed recording in asciinema-player and shows the transcript and the
// files with their SHA-256; another vendor's session and files answer 404; the page reads in
// French and English. Zero CSP and axe violations on each page; every file read is an audit event.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { AsciicastWriter } from '../../../server/bastion/asciicast-writer.js';
import { initBastionKeys, loadRecordingKey } from '../../../server/bastion/keys.js';
import { sealRecording } from '../../../server/bastion/manifest.js';
import { endBastionSession, insertBastionSession } from '../../../server/db/bastion-sessions.js';
import { findUserByUsername } from '../../../server/db/users.js';
import { checkPage, launchBrowser, openPage } from '../../helpers/browser.js';
import { dashboardServer, signIn, userWithMfa, type DashboardApp } from './fixture.js';

const SHOTS = 'dashboard-sessions-vendor';
const OWN = '44444444-4444-4444-8444-444444444444';
const OWN_LIVE = '55555555-5555-4555-8555-555555555555';
const OTHERS = '66666666-6666-4666-8666-666666666666';

/** A sealed session of `username` on `target`, its recording holding `shown` as the device's output. */
async function sealedSession(d: DashboardApp, id: string, username: string, target: string, shown: string): Promise<string> {
  const user = await findUserByUsername(d.db, username);
  if (user === undefined) throw new Error(`no user ${username}`);
  const now = d.clock.now();
  const started = new Date(now.getTime() - 3600_000);
  await insertBastionSession(d.db, {
    session_id: id, grant_id: `g-${id.slice(0, 4)}`, request_id: `r-${id}`, user_id: user.user_id, username, target_id: `t-${target}`, target_name: target,
    source_ip: '192.0.2.9', replica: 'h:1:x', started_at: started, not_after: now, recording_dir: id, input_recorded: true,
  });
  const dir = join(d.dataDir, 'recordings', id);
  mkdirSync(dir, { recursive: true });
  const writer = new AsciicastWriter(join(dir, 'ch1-shell.cast'), { width: 80, height: 24, timestamp: 1, title: target }, () => undefined);
  writer.marker(`grant g-${id.slice(0, 4)} window`);
  writer.output(Buffer.from('root@device:~# '));
  writer.input(Buffer.from('cat /etc/device.conf\r'));
  writer.output(Buffer.from(`cat /etc/device.conf\r\n${shown}\r\n`));
  writer.marker('Vigie: la fenêtre se ferme dans 1 min');
  await writer.close('cut: window_end');
  const sealed = await sealRecording(dir, {
    session_id: id, request_id: `r-${id}`, grant_id: `g-${id.slice(0, 4)}`, user: username, target, source_ip: '192.0.2.9',
    started_at: started.toISOString(), ended_at: now.toISOString(), end_reason: 'window_end', input_recorded: true,
  }, loadRecordingKey(d.dataDir));
  await endBastionSession(d.db, id, {
    ended_at: now, end_reason: 'window_end', bytes_from_client: 1234, bytes_to_client: 56789, manifest_sha256: sealed.manifestSha256, signed_sha256: sealed.signedSha256,
    retain_until: new Date(now.getTime() + 86_400_000),
  });
  return sealed.signedSha256;
}

t.test("a vendor sees, replays and downloads its own sessions only, in French and English", async (t) => {
  const d = await dashboardServer(t, 'sqlite', undefined, {
    bastion: (dataDir) => {
      initBastionKeys(dataDir);
      return { recordingsDir: join(dataDir, 'recordings'), recordingPublicKey: loadRecordingKey(dataDir).publicKey, events: null, replica: null };
    },
  });
  const vendor = await userWithMfa(d, 'acme-tech', 'vendor');
  await userWithMfa(d, 'other-tech', 'vendor');
  const signed = await sealedSession(d, OWN, 'acme-tech', 'irm-vallee-01', 'own-output <img src=x onerror=alert(1)>');
  await sealedSession(d, OTHERS, 'other-tech', 'scanner-02', 'secret-of-the-other-vendor');
  const acme = await findUserByUsername(d.db, 'acme-tech');
  const now = d.clock.now();
  await insertBastionSession(d.db, {
    session_id: OWN_LIVE, grant_id: 'g-live', request_id: 'r-live', user_id: acme!.user_id, username: 'acme-tech', target_id: 't-ct', target_name: 'ct-live-03',
    source_ip: '192.0.2.9', replica: 'h:1:x', started_at: now, not_after: new Date(now.getTime() + 3600_000), recording_dir: OWN_LIVE, input_recorded: false,
  });

  const browser = await launchBrowser(t);
  const { page } = await openPage(t, browser, d.baseURL, d.clock.now());
  await signIn(page, d, vendor);
  t.equal(await page.locator('nav a[href="/my-sessions"]').count(), 1, 'the menu offers "Mes séances"');
  t.equal(await page.locator('nav a[href="/sessions"]').count(), 0, 'and not page 10');

  await page.goto('/my-sessions');
  t.match(await page.textContent('h1'), /Mes séances de télémaintenance/);
  t.equal(await page.locator('h1').count(), 1, 'one heading 1');
  const main = (await page.textContent('main')) ?? '';
  t.match(main, /irm-vallee-01/, 'its ended session');
  t.match(main, /ct-live-03/, 'its live session');
  t.match(main, /fin de la fenêtre/, 'how it ended');
  t.match(main, /signé, intègre/, 'its recording verifies');
  t.match(main, /1\s?234/, 'bytes sent, fr-FR');
  t.match(main, /56\s?789/, 'bytes received, fr-FR');
  t.notMatch(main, /scanner-02|other-tech/, "no trace of the other vendor's session");
  t.equal(await page.locator(`a[href="/access/requests/r-${OWN}"]`).count(), 1, 'its request is linked');
  t.equal(await page.locator('main form').count(), 0, 'nothing to cut or change');
  await checkPage(t, page, SHOTS, 'my-sessions-fr');

  await page.click(`a[href="/my-sessions/${OWN}"]`);
  await page.waitForSelector('.player .ap-player, .player .ap-wrapper', { timeout: 15_000 });
  await page.click('.player .ap-overlay-start, .player .ap-playback-button');
  await page.waitForFunction(() => document.querySelector('.player .ap-term')?.textContent?.includes('own-output'), undefined, { timeout: 15_000 });
  t.match(await page.textContent('.player .ap-term'), /root@device:~# cat \/etc\/device\.conf/, 'the recording played in the player');
  const transcript = (await page.textContent('pre.transcript')) ?? '';
  t.match(transcript, /own-output <img src=x onerror=alert\(1\)>/, 'hostile output shown as text');
  t.match(transcript, /▶ Vigie: la fenêtre se ferme dans 1 min/, 'the warning marker');
  t.equal(await page.locator('main img').count(), 0, 'no element came from the recording');
  t.match(await page.textContent('main'), new RegExp(signed), 'the signed hash');
  t.equal(await page.locator(`a[download][href^="/my-sessions/${OWN}/recording/"]`).count(), 4, 'four files to download, from its own route');
  t.equal(await page.locator('pre[data-live-src]').count(), 0, 'no live view for the vendor');
  await checkPage(t, page, SHOTS, 'my-session-playback');

  // What the browser fetched for the player is an audit event in the vendor's name.
  const downloads = await d.db.selectFrom('audit_log').select(['actor_type', 'actor_id', 'target', 'details']).where('action', '=', 'bastion.recording_downloaded').execute();
  t.ok(
    downloads.some((e) => e.actor_type === 'user' && e.actor_id === 'acme-tech' && e.target === `bastion_session:${OWN}` && e.details.includes('own_sessions')),
    'the player fetched the cast through an audited route, in the vendor\'s name',
  );

  // Another vendor's session and files: 404, as if they did not exist.
  const other = await page.goto(`/my-sessions/${OTHERS}`);
  t.equal(other?.status(), 404, "another vendor's session page is not found");
  t.notMatch((await page.textContent('body')) ?? '', /secret-of-the-other-vendor|scanner-02/);
  const fetched = await page.evaluate(async (url) => (await fetch(url)).status, `/my-sessions/${OTHERS}/recording/ch1-shell.cast`);
  t.equal(fetched, 404, "another vendor's recording is not found");
  const staff = await page.goto(`/sessions/${OTHERS}`);
  t.equal(staff?.status(), 403, 'page 10 stays closed to vendors');

  // English.
  await page.goto('/my-sessions');
  await Promise.all([page.waitForURL('**/my-sessions'), page.click('a.lang')]);
  t.match(await page.textContent('h1'), /My telemaintenance sessions/);
  t.match(await page.textContent('main'), /window ended/);
  t.match(await page.textContent('main'), /signed, intact/);
  await checkPage(t, page, SHOTS, 'my-sessions-en');
  await page.goto(`/my-sessions/${OWN}`);
  t.match(await page.textContent('main'), /Bytes received/);
  await checkPage(t, page, SHOTS, 'my-session-playback-en');
});
