// The docs' link check (scripts/check-doc-links.mjs) passes on this tree and fails, naming the
// file, the line and the link, on a relative link to a missing file, on an #anchor that names no
// heading (in the same file or another), and on a link leaving the repository; links in code are
// not links, and other sites are not fetched.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { childEnv } from '../helpers/child-env.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/check-doc-links.mjs');

function check(root: string): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8', cwd: ROOT, env: childEnv() });
  return { status: run.status, out: run.stdout + run.stderr };
}

function tree(t: Test, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'vigie-doc-links-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const GOOD = {
  'README.md': [
    '# Vigie',
    'See [the CLI](docs/cli.md), [its agent part](docs/cli.md#vigie-agent-on-each-host),',
    '[waivers](docs/policies.md#waivers-dérogations), [the code](server/app.ts) and [the site](https://example.org/x#y).',
    '## Quick start',
    'Back to [the start](#quick-start).',
    '```sh',
    'echo "[not a link](nowhere.md)"',
    '```',
    'Nor is `[this](missing.md)` in a code span.',
    '',
  ].join('\n'),
  'docs/cli.md': '# CLI\n## `vigie-agent` (on each host)\nSee [policies](policies.md) and [the server](../server/).\n',
  'docs/policies.md': '# Policies\n## Waivers (dérogations)\n## Packs\n## Packs\nThe second: [here](#packs-1).\n',
  'server/app.ts': 'export {};\n',
};

t.test('this tree: every relative link and anchor of README.md and docs/*.md resolves', async (t) => {
  const { status, out } = check(ROOT);
  t.equal(status, 0, out);
  t.match(out, /doc links: ok/);
});

t.test('a tree whose links all resolve passes (headings with code, accents and repeats)', async (t) => {
  const { status, out } = check(tree(t, GOOD));
  t.equal(status, 0, out);
});

t.test('a link to a missing file fails and names the file, the line and the link', async (t) => {
  const root = tree(t, { ...GOOD, 'docs/http-api.md': '# HTTP API\n\nSee [the CLI](cli.md) and [gone](routes.md).\n' });
  const { status, out } = check(root);
  t.equal(status, 1);
  t.match(out, 'docs/http-api.md:3: routes.md: no such file');
  t.notMatch(out, 'cli.md: no such file');
});

t.test('an anchor naming no heading fails, in another file or the same one', async (t) => {
  const root = tree(t, {
    ...GOOD,
    'README.md': '# Vigie\nSee [x](docs/cli.md#vigie-agent) and [y](#quick-start).\n## Quick-start guide\n',
  });
  const { status, out } = check(root);
  t.equal(status, 1);
  t.match(out, 'README.md:2: docs/cli.md#vigie-agent: no heading #vigie-agent in docs/cli.md');
  t.match(out, 'README.md:2: #quick-start: no heading #quick-start in README.md');
  t.match(out, 'doc links: 2 broken');
});

t.test('a link leaving the repository fails; an anchor into a source file cannot be checked and fails', async (t) => {
  const root = tree(t, { ...GOOD, 'docs/evidence.md': '# Evidence\n[shared](../../shared/ARCHITECTURE.md) [code](../server/app.ts#L3)\n' });
  const { status, out } = check(root);
  t.equal(status, 1);
  t.match(out, 'docs/evidence.md:2: ../../shared/ARCHITECTURE.md: points outside the repository');
  t.match(out, 'docs/evidence.md:2: ../server/app.ts#L3: an anchor into a file that is not Markdown cannot be checked');
});
