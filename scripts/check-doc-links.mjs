#!/usr/bin/env node
// The docs' links hold: every relative link in README.md and docs/*.md names a file or folder
// that exists in the repository, and every #anchor names a heading of the Markdown file it points
// to (GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, -1, -2... for a
// repeated heading). Links to other sites (http:, https:, mailto:) are not fetched. Links inside
// code (fenced blocks, `code spans`) are not links. Prints each broken link and exits 1.
//   node scripts/check-doc-links.mjs [repo-root]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(process.argv[2] ?? '.');

/** The Markdown files whose links are checked: the README and the docs folder (not recursive). */
export function documents(root) {
  const docs = join(root, 'docs');
  const inDocs = existsSync(docs) ? readdirSync(docs).filter((name) => name.endsWith('.md')).sort().map((name) => join(docs, name)) : [];
  return [join(root, 'README.md'), ...inDocs].filter((path) => existsSync(path));
}

/** The text outside fenced code blocks, line by line (a fenced line becomes empty: numbering is kept). */
function proseLines(text) {
  let fence = null;
  return text.split('\n').map((line) => {
    const opening = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === null && opening) {
      fence = opening[1];
      return '';
    }
    if (fence !== null) {
      if (line.trim().startsWith(fence[0].repeat(fence.length)) && line.trim().replace(/[`~]/g, '') === '') fence = null;
      return '';
    }
    return line;
  });
}

/** GitHub's id for a heading's text. */
export function slug(heading) {
  const text = heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** The anchors a Markdown file offers: its headings' ids (repeats numbered) and explicit <a id/name>. */
export function anchors(text) {
  const seen = new Map();
  const out = new Set();
  for (const line of proseLines(text)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const base = slug(heading[1]);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      out.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(match[1]);
  }
  return out;
}

/** The links of a Markdown text outside code: { line, target }. */
export function links(text) {
  const out = [];
  proseLines(text).forEach((line, index) => {
    const prose = line.replace(/(`+)[^`]*?\1/g, '');
    for (const match of prose.matchAll(/!?\[(?:[^\]]|\][^(])*?\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ line: index + 1, target: match[1] });
    for (const match of prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s+"[^"]*")?\s*$/g)) out.push({ line: index + 1, target: match[1] });
  });
  return out;
}

const anchorCache = new Map();
function anchorsOf(path) {
  if (!anchorCache.has(path)) anchorCache.set(path, anchors(readFileSync(path, 'utf8')));
  return anchorCache.get(path);
}

export function brokenLinks(root) {
  const out = [];
  for (const document of documents(root)) {
    const name = relative(root, document);
    for (const { line, target } of links(readFileSync(document, 'utf8'))) {
      if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const hash = target.indexOf('#');
      const pathPart = decodeURI(hash === -1 ? target : target.slice(0, hash));
      const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
      const file = pathPart === '' ? document : resolve(dirname(document), pathPart);
      if (relative(root, file).startsWith('..')) {
        out.push(`${name}:${line}: ${target}: points outside the repository`);
        continue;
      }
      if (!existsSync(file)) {
        out.push(`${name}:${line}: ${target}: no such file`);
        continue;
      }
      if (anchor === null) continue;
      if (statSync(file).isDirectory() || !file.endsWith('.md')) {
        out.push(`${name}:${line}: ${target}: an anchor into a file that is not Markdown cannot be checked`);
        continue;
      }
      if (!anchorsOf(file).has(anchor)) out.push(`${name}:${line}: ${target}: no heading #${anchor} in ${relative(root, file)}`);
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = brokenLinks(ROOT);
  for (const line of found) console.log(line);
  console.log(found.length === 0 ? `doc links: ok (${documents(ROOT).length} files)` : `doc links: ${found.length} broken`);
  process.exit(found.length === 0 ? 0 : 1);
}
