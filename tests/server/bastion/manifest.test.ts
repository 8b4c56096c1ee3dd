// The seal takes each recording file's hash from its writer (computed while writing) and hashes any
// other file from the disk: both give the same signed folder, which verify accepts and which fails
// on a modified, truncated or removed file.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { AsciicastWriter } from '../../../server/bastion/asciicast-writer.js';
import { initBastionKeys, loadRecordingKey } from '../../../server/bastion/keys.js';
import { MANIFEST_FILE, SIGNATURE_FILE, SUMS_FILE, sealRecording, verifyRecording, type ManifestFile } from '../../../server/bastion/manifest.js';

const meta = {
  session_id: 's-1', request_id: 'r-1', grant_id: 'g-1', user: 'jdupont', target: 'irm-01', source_ip: '192.0.2.7',
  started_at: '2026-12-07T10:00:00.000Z', ended_at: '2026-12-07T10:05:00.000Z', end_reason: 'client_closed', input_recorded: true,
};

t.test('a seal from the writers hashes equals a seal from the disk; verify passes, then fails on each alteration', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'vigie-manifest-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  initBastionKeys(work);
  const key = loadRecordingKey(work);
  const streamed = join(work, 'streamed');
  const written: ManifestFile[] = [];
  mkdirSync(streamed);
  for (const [name, bytes] of [['ch1-shell.cast', 3_000_000], ['ch2-exec.cast', 10]] as const) {
    const writer = new AsciicastWriter(join(streamed, name), { width: 80, height: 24, timestamp: 1, title: name }, () => undefined);
    writer.output(Buffer.from('root@irm:~# "é"\r\n'));
    writer.input(Buffer.from('A'.repeat(bytes)));
    t.equal(await writer.close('cut: revoked'), null);
    const file = await writer.written();
    if (file === null) throw new Error('the writer opened its file');
    written.push(file);
  }
  const fromDisk = join(work, 'from-disk');
  cpSync(streamed, fromDisk, { recursive: true });

  const sealedStreamed = await sealRecording(streamed, meta, key, written);
  const sealedFromDisk = await sealRecording(fromDisk, meta, key);
  t.same(sealedStreamed.manifest, sealedFromDisk.manifest, 'the same manifest either way');
  t.equal(sealedStreamed.signedSha256, sealedFromDisk.signedSha256);
  t.equal(readFileSync(join(streamed, SUMS_FILE), 'utf8'), readFileSync(join(fromDisk, SUMS_FILE), 'utf8'));
  t.same(sealedStreamed.manifest.files.map((file) => file.name), ['ch1-shell.cast', 'ch2-exec.cast']);
  for (const name of [MANIFEST_FILE, SUMS_FILE, SIGNATURE_FILE]) t.ok(readFileSync(join(streamed, name)).length > 0, `${name} written`);

  const check = () => verifyRecording(streamed, key.publicKey, sealedStreamed.signedSha256);
  t.ok(check().ok, 'sealed: valid');
  const cast = join(streamed, 'ch1-shell.cast');
  const original = readFileSync(cast);
  const altered = Buffer.from(original);
  altered[original.length - 10] = 0x42;
  writeFileSync(cast, altered);
  t.same(check().problems, [{ file: 'ch1-shell.cast', problem: 'modified' }]);
  truncateSync(cast, original.length - 1);
  t.same(check().problems, [{ file: 'ch1-shell.cast', problem: 'size_changed' }]);
  unlinkSync(cast);
  t.same(check().problems, [{ file: 'ch1-shell.cast', problem: 'missing' }]);
  t.notOk(check().ok);
  writeFileSync(cast, original);
  t.ok(check().ok, 'restored: valid again');
});

t.test("a hash given by a writer that differs from the disk is what gets signed, and verify then names the file", async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'vigie-manifest-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  initBastionKeys(work);
  const key = loadRecordingKey(work);
  const dir = join(work, 'rec');
  mkdirSync(dir);
  const writer = new AsciicastWriter(join(dir, 'ch1-shell.cast'), { width: 80, height: 24, timestamp: 1, title: 't' }, () => undefined);
  writer.output(Buffer.from('shown\r\n'));
  await writer.close();
  const file = (await writer.written())!;
  // Altered after the bastion wrote it and before the seal: the seal signs what the bastion wrote.
  writeFileSync(join(dir, 'ch1-shell.cast'), readFileSync(join(dir, 'ch1-shell.cast'), 'utf8').replace('shown', 'SHOWN'));
  const sealed = await sealRecording(dir, meta, key, [file]);
  t.equal(sealed.manifest.files[0]?.sha256, file.sha256);
  t.same(verifyRecording(dir, key.publicKey, sealed.signedSha256).problems, [{ file: 'ch1-shell.cast', problem: 'modified' }]);
});
