// Writing an approved entry into the site overlay: entries learned for a site live in their own
// allowlist file, `<dataDir>/overlays/allowlists/<site>.learned.yaml`, named by the overlay's
// `allowlist_files` (a subfolder, since every `*.yaml` directly in overlays/ is an overlay). The
// overlay is edited as a YAML document (comments and layout kept), its version bumped; a site
// without an overlay gets a minimal one. Both files are written atomically (temp + rename), then
// linted and loaded as the server loads them; on any finding the previous files are restored and
// the approval fails with the reason. One writer at a time in this process.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isMap, isSeq, parseDocument, stringify, type Document, type YAMLSeq } from 'yaml';
import type { AllowlistEntry } from '../../../policies/allowlist.js';
import { HOST_ROLES } from '../../../policies/evidence.js';
import { formatFinding, lintPolicyFile } from '../../../policies/lint.js';
import { loadSiteOverlayFile, packFor, type Pack, type SiteOverlay } from '../../../policies/pack.js';

export const LEARNED_DIR = 'allowlists';
export const learnedFileName = (site: string) => `${LEARNED_DIR}/${site}.learned.yaml`;

export class OverlayWriteError extends Error {
  override name = 'OverlayWriteError';
}

export interface WrittenEntry {
  overlay: SiteOverlay;
  overlayFile: string;
  allowlistFile: string;
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o640 });
  renameSync(tmp, path);
}

let queue: Promise<unknown> = Promise.resolve();

/** Appends `entry` to the site's learned allowlist; returns the overlay as now loaded. */
export function writeLearnedEntry(overlaysDir: string, site: string, entry: AllowlistEntry, packs: Map<string, Pack>, note: string): Promise<WrittenEntry> {
  return enqueue(() =>
    editLearned(overlaysDir, site, packs, (entries, listDoc, allowlistFile) => {
      if (entries.items.some((item) => isMap(item) && item.get('id') === entry.id)) throw new OverlayWriteError(`${allowlistFile}: entry ${entry.id} is already there`);
      const node = listDoc.createNode(entry);
      node.commentBefore = ` ${note}`;
      entries.items.push(node);
    }),
  );
}

/** Removes entry `entryId` from the site's learned allowlist (an approved removal); returns the overlay as now loaded. */
export function removeLearnedEntry(overlaysDir: string, site: string, entryId: string, packs: Map<string, Pack>): Promise<WrittenEntry> {
  return enqueue(() =>
    editLearned(overlaysDir, site, packs, (entries, _listDoc, allowlistFile, existed) => {
      const index = existed ? entries.items.findIndex((item) => isMap(item) && item.get('id') === entryId) : -1;
      if (index < 0) throw new OverlayWriteError(`${allowlistFile}: no learned entry ${entryId} (an entry written by hand is removed by hand)`);
      entries.items.splice(index, 1);
    }),
  );
}

/** Ids of the entries in the site's learned allowlist (none when the file does not exist or does not parse). */
export function learnedEntryIds(overlaysDir: string, site: string): Set<string> {
  const file = join(overlaysDir, learnedFileName(site));
  if (!existsSync(file)) return new Set();
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const entries = doc.errors.length === 0 ? doc.get('entries', true) : undefined;
  if (!isSeq(entries)) return new Set();
  return new Set(entries.items.flatMap((item) => (isMap(item) && typeof item.get('id') === 'string' ? [item.get('id') as string] : [])));
}

function enqueue(work: () => WrittenEntry): Promise<WrittenEntry> {
  const run = queue.then(work);
  queue = run.catch(() => undefined);
  return run;
}

type Edit = (entries: YAMLSeq, listDoc: Document, allowlistFile: string, existed: boolean) => void;

function editLearned(overlaysDir: string, site: string, packs: Map<string, Pack>, edit: Edit): WrittenEntry {
  const overlayFile = join(overlaysDir, `${site}.yaml`);
  const relative = learnedFileName(site);
  const allowlistFile = join(overlaysDir, relative);
  mkdirSync(dirname(allowlistFile), { recursive: true, mode: 0o750 });
  const before = {
    overlay: existsSync(overlayFile) ? readFileSync(overlayFile, 'utf8') : null,
    allowlist: existsSync(allowlistFile) ? readFileSync(allowlistFile, 'utf8') : null,
  };

  // The learned allowlist: edited in `entries`, the provenance as a comment above each entry.
  const listDoc = parseDocument(
    before.allowlist ?? `# Allowlist entries approved from learning-mode proposals for site ${site} (written by Vigie;\n# each carries its proposal id as ticket or in the comment above it). Edit with care: lint runs on every approval.\nentries: []\n`,
  );
  if (listDoc.errors.length > 0 || !isMap(listDoc.contents)) throw new OverlayWriteError(`${allowlistFile}: not a valid allowlist file; fix it before approving`);
  const entries = listDoc.get('entries', true);
  if (!isSeq(entries)) throw new OverlayWriteError(`${allowlistFile}: no entries list`);
  edit(entries, listDoc, allowlistFile, before.allowlist !== null);
  entries.flow = entries.items.length === 0;

  // The overlay: name the learned file, bump the version.
  const overlayDoc = parseDocument(before.overlay ?? `# Site overlay of ${site}, created by Vigie when the first learned allowlist entry was approved.\nsite: ${site}\nversion: 0\n`);
  if (overlayDoc.errors.length > 0 || !isMap(overlayDoc.contents)) throw new OverlayWriteError(`${overlayFile}: not a valid overlay; fix it before approving`);
  const files = overlayDoc.get('allowlist_files', true);
  if (files === undefined || files === null) overlayDoc.set('allowlist_files', overlayDoc.createNode([relative]));
  else if (isSeq(files)) {
    if (!files.items.some((i) => (isMap(i) ? null : String((i as { value?: unknown }).value ?? i)) === relative)) files.items.push(overlayDoc.createNode(relative));
  } else throw new OverlayWriteError(`${overlayFile}: allowlist_files is not a list`);
  const version = Number(overlayDoc.get('version'));
  overlayDoc.set('version', Number.isInteger(version) && version >= 0 ? version + 1 : 1);

  const restore = () => {
    if (before.allowlist === null) rmSync(allowlistFile, { force: true });
    else writeAtomic(allowlistFile, before.allowlist);
    if (before.overlay === null) rmSync(overlayFile, { force: true });
    else writeAtomic(overlayFile, before.overlay);
  };
  writeAtomic(allowlistFile, listDoc.toString({ lineWidth: 0 }));
  writeAtomic(overlayFile, overlayDoc.toString({ lineWidth: 0 }));
  try {
    const lint = lintPolicyFile(overlayFile);
    if (lint.findings.length > 0) throw new OverlayWriteError(`lint refused the result: ${lint.findings.slice(0, 3).map(formatFinding).join('; ')}`);
    const overlay = loadSiteOverlayFile(overlayFile);
    for (const role of HOST_ROLES) packFor(role, site, packs, new Map([[site, overlay]]));
    return { overlay, overlayFile, allowlistFile };
  } catch (error) {
    restore();
    if (error instanceof OverlayWriteError) throw error;
    throw new OverlayWriteError(`the overlay would not load: ${(error as Error).message}`);
  }
}

/** The entry as YAML text (shown to the approver). */
export const entryYaml = (entry: AllowlistEntry) => stringify({ entries: [entry] }, { lineWidth: 0 });
