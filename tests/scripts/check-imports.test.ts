// The import check (scripts/check-imports.mjs) passes on this tree and fails, naming the files, on
// each breach it exists for: a circle (value or type imports), policies/ importing outside
// itself or an impure package, agent/ and server/ importing each other, server/db/ importing a
// room above it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { childEnv } from '../helpers/child-env.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/check-imports.mjs');

function check(root: string): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8', cwd: ROOT, env: childEnv() });
  return { status: run.status, out: run.stdout + run.stderr };
}

function tree(t: Test, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'vigie-imports-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

t.test('this tree has no circle, a pure policies/ and agent/ apart from server/', async (t) => {
  const { status, out } = check(ROOT);
  t.equal(status, 0, out);
  t.match(out, /imports: ok/);
});

t.test('a clean tree passes', async (t) => {
  const root = tree(t, {
    'policies/a.ts': "import { b } from './b.js';\nimport { Type } from 'typebox';\nexport const a = b + 1;\n",
    'policies/b.ts': 'export const b = 1;\n',
    'server/s.ts': "import { a } from '../policies/a.js';\nexport const s = a;\n",
    'agent/g.ts': "import type { b } from '../policies/b.js';\nexport type G = typeof b;\n",
  });
  t.equal(check(root).status, 0);
});

t.test('a circle of three files fails and names them', async (t) => {
  const root = tree(t, {
    'server/a.ts': "import { b } from './b.js';\nexport const a = () => b();\n",
    'server/b.ts': "import { c } from './sub/c.js';\nexport const b = () => c();\n",
    'server/sub/c.ts': "import type { a } from '../a.js';\nexport const c = (): ReturnType<typeof a> | undefined => undefined;\n",
    'server/d.ts': "import { a } from './a.js';\nexport const d = a;\n",
  });
  const { status, out } = check(root);
  t.equal(status, 1);
  t.match(out, 'import circle: server/a.ts <-> server/b.ts <-> server/sub/c.ts');
  t.notMatch(out, 'server/d.ts', 'a file that only leans on the circle is not part of it');
});

t.test('a file importing itself and a re-export circle fail', async (t) => {
  const root = tree(t, {
    'agent/self.ts': "export { x } from './self.js';\nexport const y = 1;\n",
    'agent/p.ts': "export * from './q.js';\n",
    'agent/q.ts': "export async function load() { return import('./p.js'); }\n",
  });
  const { status, out } = check(root);
  t.equal(status, 1);
  t.match(out, 'import circle: agent/self.ts');
  t.match(out, 'import circle: agent/p.ts <-> agent/q.ts');
});

t.test('policies/ importing outside itself or an impure package fails', async (t) => {
  const root = tree(t, {
    'policies/rule.ts': "import { db } from '../server/db.js';\nexport const r = db;\n",
    'policies/io.ts': "import { spawn } from 'node:child_process';\nimport Fastify from 'fastify';\nexport const io = [spawn, Fastify];\n",
    'server/db.ts': 'export const db = 1;\n',
  });
  const { status, out } = check(root);
  t.equal(status, 1);
  t.match(out, 'policies/ imports outside itself: policies/rule.ts -> server/db.ts');
  t.match(out, 'policies/ imports an impure package: policies/io.ts -> node:child_process');
  t.match(out, 'policies/ imports an impure package: policies/io.ts -> fastify');
});

t.test('agent/ and server/ importing each other fails', async (t) => {
  const root = tree(t, {
    'agent/a.ts': "import { s } from '../server/s.js';\nexport const a = s;\n",
    'server/s.ts': 'export const s = 1;\n',
    'server/t.ts': "import type { a } from '../agent/a.js';\nexport type T = typeof a;\n",
  });
  const { status, out } = check(root);
  t.equal(status, 1);
  t.match(out, 'agent/ imports server/: agent/a.ts -> server/s.ts');
  t.match(out, 'server/ imports agent/: server/t.ts -> agent/a.ts');
});

t.test('server/db/ importing a room above it fails; policies/ and itself are allowed', async (t) => {
  const root = tree(t, {
    'policies/evidence.ts': 'export const roles = 1;\n',
    'server/auth/roles.ts': 'export const ROLES = 1;\n',
    'server/auditlog.ts': 'export const append = 1;\n',
    'server/db/users.ts': "import type { ROLES } from '../auth/roles.js';\nimport { roles } from '../../policies/evidence.js';\nexport type U = typeof ROLES | typeof roles;\n",
    'server/db/migrations/0001.ts': "import { append } from '../../auditlog.js';\nimport { u } from '../columns.js';\nexport const m = [append, u];\n",
    'server/db/columns.ts': 'export const u = 1;\n',
    'server/auth/guard.ts': "import type { U } from '../db/users.js';\nexport type G = U;\n",
  });
  const { status, out } = check(root);
  t.equal(status, 1);
  t.match(out, 'server/db/ imports a room above it: server/db/users.ts -> server/auth/roles.ts');
  t.match(out, 'server/db/ imports a room above it: server/db/migrations/0001.ts -> server/auditlog.ts');
  t.notMatch(out, 'policies/evidence.ts', 'policies/ is below db/');
  t.notMatch(out, 'server/db/columns.ts', 'db/ may import itself');
  t.notMatch(out, 'guard.ts', 'rooms above may import db/');
});

t.test('a rule file importing another rule file fails; shared rules modules are allowed', async (t) => {
  const root = tree(t, {
    'policies/rules/rule.ts': 'export function defineRule(x: unknown) { return x; }\n',
    'policies/rules/outcomes.ts': "import { defineRule } from './rule.js';\nexport const summarise = defineRule;\n",
    'policies/rules/auth.ts': "import { defineRule } from './rule.js';\nexport const isMultiFactor = 1;\nexport const auth01 = defineRule({});\n",
    'policies/rules/telework.ts':
      "import { defineRule } from './rule.js';\nimport { summarise } from './outcomes.js';\nimport { isMultiFactor } from './auth.js';\nexport const tel01 = defineRule({ summarise, isMultiFactor });\n",
    'policies/rules/registry.ts': "import { auth01 } from './auth.js';\nimport { tel01 } from './telework.js';\nexport const all = [auth01, tel01];\n",
  });
  const { status, out } = check(root);
  t.equal(status, 1);
  t.match(out, 'a rule file imports another rule file: policies/rules/telework.ts -> policies/rules/auth.ts');
  t.notMatch(out, '-> policies/rules/rule.ts', 'the rule helpers are shared');
  t.notMatch(out, '-> policies/rules/outcomes.ts', 'so are the outcome helpers');
  t.notMatch(out, 'registry.ts ->', 'the registry gathers the rule files');
  t.match(out, 'imports: 1 breach(es)');
});
