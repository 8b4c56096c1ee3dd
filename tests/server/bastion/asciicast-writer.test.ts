import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { AsciicastWriter } from '../../../server/bastion/asciicast-writer.js';

const header = { width: 80, height: 24, timestamp: 1_765_000_000, title: 'alice+irm-01 shell' };

t.test('writes a header and every event in order, each line valid JSON, the text as decoded UTF-8', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-cast-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let clock = 1000;
  const failures: Error[] = [];
  const writer = new AsciicastWriter(join(dir, 'ch1-shell.cast'), header, (error) => failures.push(error), () => clock);
  writer.marker('grant g-1');
  clock += 1500;
  writer.output(Buffer.from('\u001b[1mroot@irm:~# "quoted" \\ état\r\n'));
  writer.input(Buffer.from('ls\r'));
  writer.resize(120, 40);
  // A character split between two chunks, and 3000 typed keys (more parts than one writev takes).
  const e = Buffer.from('é');
  writer.output(Buffer.from([0x41, e[0]!]));
  writer.output(Buffer.from([e[1]!]));
  for (let i = 0; i < 3000; i++) writer.input(Buffer.from(String(i % 10)));
  t.equal(await writer.close('cut: window_end'), null);
  t.same(failures, []);
  const lines = readFileSync(join(dir, 'ch1-shell.cast'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
  t.same(lines[0], { version: 2, ...header });
  t.same(lines.slice(1, 7), [
    [0, 'm', 'grant g-1'],
    [1.5, 'o', '\u001b[1mroot@irm:~# "quoted" \\ état\r\n'],
    [1.5, 'i', 'ls\r'],
    [1.5, 'r', '120x40'],
    [1.5, 'o', 'A'],
    [1.5, 'o', 'é'],
  ]);
  const typed = lines.slice(7, -1) as [number, string, string][];
  t.equal(typed.length, 3000);
  t.equal(typed.map((event) => event[2]).join('').slice(0, 12), '012345678901');
  t.same(lines.at(-1), [1.5, 'm', 'cut: window_end']);
  writer.output(Buffer.from('after close'));
  t.equal(readFileSync(join(dir, 'ch1-shell.cast'), 'utf8').includes('after close'), false, 'nothing after close');
});

t.test('a recording that cannot be written reports it once and refuses further events', async (t) => {
  const failures: Error[] = [];
  const writer = new AsciicastWriter(join(tmpdir(), 'no-such-dir-vigie', 'x.cast'), header, (error) => failures.push(error));
  writer.output(Buffer.from('lost'));
  const closed = await writer.close();
  t.equal(failures.length, 1);
  t.equal((failures[0] as NodeJS.ErrnoException).code, 'ENOENT');
  t.equal(closed, failures[0]);
  t.equal(writer.failure, failures[0]);
});

t.test("the writer's hash and size are those of the file it wrote, and closing twice closes once", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-cast-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const writer = new AsciicastWriter(join(dir, 'ch2-exec.cast'), header, () => undefined);
  // Large chunks (several flushes, partial writes possible), many small parts (joined) and escapes.
  const block = Buffer.from('QUJD'.repeat(100_000));
  for (let i = 0; i < 5; i++) writer.input(block);
  for (let i = 0; i < 2500; i++) writer.output(Buffer.from(`line ${i}\r\n`));
  writer.output(Buffer.from([0xff, 0x41]));
  const first = writer.close('cut: revoked');
  t.equal(writer.close('cut: again'), first, 'a second close gets the first one');
  t.equal(await first, null);
  const content = readFileSync(join(dir, 'ch2-exec.cast'));
  t.notOk(content.includes('cut: again'), 'no marker after the first close');
  t.same(await writer.written(), { name: 'ch2-exec.cast', sha256: createHash('sha256').update(content).digest('hex'), size: content.length });
});

t.test('a writer that never opened its file has nothing written', async (t) => {
  const writer = new AsciicastWriter(join(tmpdir(), 'no-such-dir-vigie', 'ch1-shell.cast'), header, () => undefined);
  t.equal(await writer.written(), null);
});

t.test('on a disk that fills up, the hash and size are those of the bytes that reached the file', async (t) => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'vigie-tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], { encoding: 'utf8' });
  if (mounted.status !== 0) throw new Error(`cannot mount a tmpfs (root needed): ${mounted.stderr}`);
  t.teardown(() => {
    spawnSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });
  const failures: Error[] = [];
  const writer = new AsciicastWriter(join(mountPoint, 'ch1-shell.cast'), header, (error) => failures.push(error));
  // 200 KiB into 64 KiB: a write fails (ENOSPC) after some bytes reached the file.
  for (let i = 0; i < 50 && failures.length === 0; i++) {
    writer.output(Buffer.from('x'.repeat(4096)));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const closed = await writer.close();
  t.equal((closed as NodeJS.ErrnoException | null)?.code, 'ENOSPC');
  const content = readFileSync(join(mountPoint, 'ch1-shell.cast'));
  t.ok(content.length > 0 && content.length < 200 * 1024, `part of the recording reached the disk (${content.length} bytes)`);
  t.same(await writer.written(), { name: 'ch1-shell.cast', sha256: createHash('sha256').update(content).digest('hex'), size: content.length });
});
