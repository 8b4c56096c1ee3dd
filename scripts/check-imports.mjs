#!/usr/bin/env node
// The house rules on imports, checked over the import graph of the source tree:
//  - no import circle between files (type-only imports count: a circle of types is still a
//    knot two files cannot be understood without each other);
//  - `policies/` imports no file outside `policies/`, and no package that serves, stores,
//    spawns or talks to the network (it may read pack files);
//  - `agent/` and `server/` never import each other;
//  - `server/db/` (the repositories, the bottom floor of the server) imports only itself and
//    `policies/`: the rooms above it (auth, audit, secrets, ...) build on it, never the reverse;
//  - a rule file (one under policies/rules/ that defines a rule: `export const x = defineRule(`
//    or `defineFindingsRule(`) imports no other rule file: what two rules share lives in a shared
//    rules module (rule, outcomes, evidence-gaps, flows, factors...).
// Reads every .ts/.tsx file under the roots with TypeScript's own `ts.preProcessFile`
// (imports, re-exports and dynamic imports with a literal path). Prints each breach and exits 1.
//   node scripts/check-imports.mjs [repo-root]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(process.argv[2] ?? '.');
const ROOTS = ['agent', 'server', 'policies', 'bench', 'scripts', 'tests'];

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'fixtures' ? [] : sourceFiles(path);
    return /\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** A relative specifier as written in ESM TypeScript (`./x.js`) to the file it names. */
function resolveRelative(from, specifier) {
  const base = resolve(dirname(from), specifier);
  const stem = base.replace(/\.(js|mjs|jsx)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, join(base, 'index.ts')];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile()) ?? null;
}

const top = (file) => relative(ROOT, file).split(sep)[0];
/** Is `path` (relative to the root) inside the folder `dir` (given with '/')? */
const within = (path, dir) => path.split(sep).join('/').startsWith(`${dir}/`);

export function importGraph(files) {
  const graph = new Map();
  const external = new Map();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const edges = new Set();
    const packages = new Set();
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('.')) {
        const target = resolveRelative(file, fileName);
        if (target) edges.add(target);
      } else packages.add(fileName);
    }
    graph.set(file, edges);
    external.set(file, packages);
  }
  return { graph, external };
}

/** Strongly connected components of more than one file (or a file importing itself): Tarjan. */
export function circles(graph) {
  let index = 0;
  const stack = [];
  const onStack = new Set();
  const indices = new Map();
  const low = new Map();
  const found = [];
  const visit = (node) => {
    // Iterative to stay clear of the call-stack limit on long chains.
    const work = [[node, [...(graph.get(node) ?? [])], 0]];
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [current, edges] = frame;
      if (frame[2] < edges.length) {
        const next = edges[frame[2]++];
        if (!graph.has(next)) continue;
        if (!indices.has(next)) {
          indices.set(next, index);
          low.set(next, index);
          index++;
          stack.push(next);
          onStack.add(next);
          work.push([next, [...(graph.get(next) ?? [])], 0]);
        } else if (onStack.has(next)) low.set(current, Math.min(low.get(current), indices.get(next)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(current)));
      }
      if (low.get(current) === indices.get(current)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== current);
        if (component.length > 1 || graph.get(current)?.has(current)) found.push(component.sort());
      }
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

/** Packages that would make `policies/` impure: servers, databases, processes, the network. */
const IMPURE = /^(node:)?(child_process|cluster|dgram|dns|http|http2|https|net|tls|worker_threads)$|^(fastify|@fastify\/.*|kysely|better-sqlite3|pg|ssh2|pino|nodemailer|node-cron)$/;

/** A file that defines a rule (policies/rules/rule.ts, findings-rule.ts). */
const RULE_DEFINITION = /^export const \w+ = define\w*Rule\(/m;

export function breaches(root) {
  const files = ROOTS.flatMap((dir) => sourceFiles(join(root, dir)));
  const { graph, external } = importGraph(files);
  const ruleFiles = new Set(files.filter((f) => within(relative(root, f), 'policies/rules') && RULE_DEFINITION.test(readFileSync(f, 'utf8'))));
  const out = [];
  for (const component of circles(graph)) out.push(`import circle: ${component.map((f) => relative(root, f)).join(' <-> ')} (move what they share into a module of its own that both import)`);
  for (const [file, edges] of graph) {
    const from = relative(root, file).split(sep)[0];
    for (const target of edges) {
      const to = relative(root, target).split(sep)[0];
      if (from === 'policies' && to !== 'policies') out.push(`policies/ imports outside itself: ${relative(root, file)} -> ${relative(root, target)}`);
      if ((from === 'agent' && to === 'server') || (from === 'server' && to === 'agent')) out.push(`${from}/ imports ${to}/: ${relative(root, file)} -> ${relative(root, target)}`);
      const [source, imported] = [relative(root, file), relative(root, target)];
      if (within(source, 'server/db') && !within(imported, 'server/db') && to !== 'policies') out.push(`server/db/ imports a room above it: ${source} -> ${imported}`);
    }
    if (ruleFiles.has(file)) {
      for (const target of edges) if (ruleFiles.has(target)) out.push(`a rule file imports another rule file: ${relative(root, file)} -> ${relative(root, target)} (move what they share into a shared rules module)`);
    }
    if (from === 'policies') {
      for (const name of external.get(file) ?? []) {
        if (IMPURE.test(name)) out.push(`policies/ imports an impure package: ${relative(root, file)} -> ${name}`);
      }
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = breaches(ROOT);
  for (const line of found) console.log(line);
  console.log(found.length === 0 ? 'imports: ok (no circle, policies/ pure, agent/ and server/ apart, server/db/ at the bottom, rule files apart)' : `imports: ${found.length} breach(es)`);
  process.exit(found.length === 0 ? 0 : 1);
}
