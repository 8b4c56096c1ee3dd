// Pure parser of Linux-PAM service files, with includes resolved the way libpam does:
//   @include FILE            every line of FILE (Debian)
//   TYPE include FILE        the TYPE lines of FILE (Red Hat, SUSE)
//   TYPE substack FILE       the same, but done/die stop only the substack
//   [-]TYPE CONTROL MODULE [ARGS...]    TYPE in auth|account|password|session; "-" = skip if missing
// CONTROL is a keyword or a bracketed list ("[success=1 default=ignore]"); an argument may be
// bracketed to hold spaces ("[query=select ...]"). "#" starts a comment; "\" continues a line.
import type { PamEntry } from '../../policies/evidence.js';

type PamType = PamEntry['type'];
const TYPES: readonly PamType[] = ['auth', 'account', 'password', 'session'];
const MAX_DEPTH = 8;
const MAX_ENTRIES = 300;
const MAX_ARGS = 64;

/** Returns a file's text, or null when it does not exist. Names are as written in the stack. */
export type PamFileReader = (name: string) => string | null;

type PamLine =
  | { kind: 'include-all'; file: string }
  | { kind: 'include'; type: PamType; file: string; substack: boolean }
  | { kind: 'rule'; type: PamType; ifPresent: boolean; control: string; module: string; args: string[] };

/** The full stack of `service`, includes resolved. Throws with a clear message on any problem. */
export function resolvePamStack(service: string, read: PamFileReader): PamEntry[] {
  const entries: PamEntry[] = [];
  const expand = (file: string, via: PamEntry['via'], only: PamType | null, chain: readonly string[]) => {
    if (chain.includes(file)) throw new Error(`PAM include loop: ${[...chain, file].join(' -> ')}`);
    if (chain.length >= MAX_DEPTH) throw new Error(`PAM includes nested deeper than ${MAX_DEPTH}: ${[...chain, file].join(' -> ')}`);
    const text = read(file);
    if (text === null) {
      throw new Error(chain.length === 0 ? `no PAM file for ${file}` : `${chain[chain.length - 1]} includes ${file}, which does not exist`);
    }
    for (const line of parsePamFile(text, file)) {
      if (line.kind === 'include-all') {
        expand(line.file, via === 'substack' ? 'substack' : 'include', only, [...chain, file]);
      } else if (line.kind === 'include') {
        if (only !== null && line.type !== only) continue;
        const nextVia = via === 'substack' || line.substack ? 'substack' : 'include';
        expand(line.file, nextVia, line.type, [...chain, file]);
      } else {
        if (only !== null && line.type !== only) continue;
        if (entries.length >= MAX_ENTRIES) throw new Error(`PAM stack of ${service} has more than ${MAX_ENTRIES} lines`);
        entries.push({
          type: line.type,
          control: line.control.slice(0, 256),
          module: moduleName(line.module),
          arguments: line.args.slice(0, MAX_ARGS).map(redactArgument),
          if_present: line.ifPresent,
          source: file.slice(0, 128),
          via,
        });
      }
    }
  };
  expand(service, 'direct', null, []);
  return entries;
}

export function parsePamFile(text: string, name: string): PamLine[] {
  const lines: PamLine[] = [];
  const logical = text.replace(/\\\r?\n/g, ' ').split('\n');
  logical.forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `${name} line ${index + 1}`;
    const tokens = tokenize(line, where);
    const first = tokens[0] ?? '';
    if (first === '@include') {
      const file = tokens[1];
      if (!file) throw new Error(`${where}: @include without a file`);
      lines.push({ kind: 'include-all', file });
      return;
    }
    const ifPresent = first.startsWith('-');
    const type = first.replace(/^-/, '').toLowerCase() as PamType;
    if (!TYPES.includes(type)) throw new Error(`${where}: unknown PAM type "${first.slice(0, 40)}"`);
    const control = tokens[1];
    const module = tokens[2];
    if (!control) throw new Error(`${where}: missing control`);
    if (control === 'include' || control === 'substack') {
      if (!module) throw new Error(`${where}: ${control} without a file`);
      lines.push({ kind: 'include', type, file: module, substack: control === 'substack' });
      return;
    }
    if (!module) throw new Error(`${where}: missing module`);
    lines.push({ kind: 'rule', type, ifPresent, control, module, args: tokens.slice(3) });
  });
  return lines;
}

/** Splits on blanks, keeping "[ ... ]" groups (with "\]" escapes) as one token. */
function tokenize(line: string, where: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] ?? '')) i += 1;
    if (i >= line.length) break;
    let token = '';
    if (line[i] === '[') {
      let j = i + 1;
      while (j < line.length && !(line[j] === ']' && line[j - 1] !== '\\')) j += 1;
      if (j >= line.length) throw new Error(`${where}: unclosed "["`);
      token = line.slice(i, j + 1);
      i = j + 1;
    } else {
      const start = i;
      while (i < line.length && !/\s/.test(line[i] ?? '')) i += 1;
      token = line.slice(start, i);
    }
    tokens.push(token);
  }
  return tokens;
}

function moduleName(path: string): string {
  return (path.split('/').pop() || path).slice(0, 128);
}

/** Keeps option names (nullok, nouserok, authfile=...) but never a value that may be a secret. */
export function redactArgument(arg: string): string {
  const eq = arg.indexOf('=');
  const bounded = (text: string) => (text.length > 256 ? `${text.slice(0, 255)}…` : text);
  if (eq > 0 && /pass|pwd|secret|token|key/i.test(arg.slice(0, eq))) return bounded(`${arg.slice(0, eq)}=<redacted>`);
  return bounded(arg);
}
