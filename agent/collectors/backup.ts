// Backup age per configured source: restic and borg repositories are asked directly (read-only,
// no lock, no cache); other tools report through the Vigie status file. A source that cannot be
// read is reported `unavailable` with the reason: never as a recent backup.
import { readFile } from 'node:fs/promises';
import { Type, type Static } from 'typebox';
import { DECLARED_BACKUP_FIELDS, undeclaredBackupReason, type DeclaredBackupField } from '../../policies/agent-coverage.js';
import type { BackupEvidence, BackupSource, CoveredHost, OfflineCopy, RestoreTest } from '../../policies/evidence.js';
import { runCommand, stderrSummary } from '../run-command.js';
import type { BackupSummary } from './parse-backup-time.js';
import { parseBorgList } from './parse-borg.js';
import { parseResticSnapshots } from './parse-restic.js';
import { parseStatusFile, STATUS_FILE_MAX_BYTES } from './parse-status-file.js';
import { parseTmutilListBackups } from './parse-tmutil.js';
import { parseWbadminVersions } from './parse-wbadmin.js';
import { bounded, stripUrlCredentials } from './redact.js';

const strict = { additionalProperties: false } as const;
const Path = Type.String({ minLength: 1, maxLength: 4096 });

/** One backup source as declared in the agent config file. */
export const BackupSourceConfig = Type.Union([
  Type.Object(
    {
      tool: Type.Literal('restic'),
      /** Any restic repository string (local path, sftp:, rest:, s3:...). */
      repository: Type.String({ minLength: 1, maxLength: 1024 }),
      /** Else restic reads RESTIC_PASSWORD_FILE / RESTIC_PASSWORD from the agent's environment. */
      passwordFile: Type.Optional(Path),
      /** Only count snapshots of this host name (repositories shared by several hosts). */
      host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
      /** On a backup server: report which hosts the repository holds snapshots of (BKP-01 join). */
      reportHostsCovered: Type.Optional(Type.Boolean()),
    },
    strict,
  ),
  Type.Object(
    {
      tool: Type.Literal('borg'),
      repository: Type.String({ minLength: 1, maxLength: 1024 }),
      /** File whose content is the passphrase; else BORG_PASSPHRASE/BORG_PASSCOMMAND from the environment. */
      passphraseFile: Type.Optional(Path),
      /** On a backup server: report which hosts the repository holds archives of (reads each archive's metadata). */
      reportHostsCovered: Type.Optional(Type.Boolean()),
    },
    strict,
  ),
  Type.Object({ tool: Type.Literal('status-file'), path: Path }, strict),
  /** Windows Server Backup on this host (`wbadmin get versions`, needs administrator rights). */
  Type.Object({ tool: Type.Literal('wbadmin') }, strict),
  /** macOS Time Machine on this host (`tmutil listbackups`, needs Full Disk Access). */
  Type.Object({ tool: Type.Literal('timemachine') }, strict),
]);
export type BackupSourceConfig = Static<typeof BackupSourceConfig>;

export interface BackupCollectOptions {
  /** Base environment of the backup tools (default: the agent's). */
  env?: NodeJS.ProcessEnv;
  /** Tool binaries (default: found on PATH). */
  binaries?: { restic?: string; borg?: string; wbadmin?: string; tmutil?: string };
  now?: () => Date;
}

const TIMEOUT_MS = 60_000; // a remote repository listing can be slow; still bounded
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
const MAX_SECRET_FILE_BYTES = 4096;
const MAX_SOURCES = 64;

export async function collectBackups(sources: readonly BackupSourceConfig[], options: BackupCollectOptions = {}): Promise<BackupEvidence> {
  if (sources.length > MAX_SOURCES) throw new Error(`at most ${MAX_SOURCES} backup sources, got ${sources.length}`);
  // Sequential: backup tools are heavy, and a cycle must not saturate a small host.
  const results: BackupSource[] = [];
  const declared: Declarations = {};
  for (const source of sources) results.push(await collectSource(source, options, declared));
  const evidence: BackupEvidence = { sources: results };
  // Present only when a source was asked to report its hosts (a backup server's config).
  if (declared.hosts_covered) evidence.hosts_covered = declared.hosts_covered.slice(0, 4096);
  // Only status files declare copies and restore tests; absent when none did (rules: unknown).
  if (declared.offline_copies) evidence.offline_copies = declared.offline_copies.slice(0, 64);
  if (declared.restore_tests) evidence.restore_tests = declared.restore_tests.slice(0, 64);
  const extra = declared.extra;
  if (extra?.repositories) evidence.repositories = extra.repositories.slice(0, 32);
  if (extra?.console) evidence.console = extra.console;
  if (extra?.monitoring) evidence.monitoring = extra.monitoring;
  if (extra?.destinations) evidence.destinations = extra.destinations.slice(0, 32);
  if (extra?.removable_targets) evidence.removable_targets = extra.removable_targets.slice(0, 32);
  return withUndeclared(evidence, sources);
}

/**
 * A declarable field no status file gave becomes `unavailable` saying what is not configured,
 * so the rule reads "not declared" rather than "not reported by this agent" (an older agent).
 */
function withUndeclared(evidence: BackupEvidence, sources: readonly BackupSourceConfig[]): BackupEvidence {
  const files = sources.filter((s): s is Extract<BackupSourceConfig, { tool: 'status-file' }> => s.tool === 'status-file').map((s) => s.path);
  const unread = files.length > 0 && evidence.sources.some((s) => s.tool === 'status-file' && 'unavailable' in s);
  for (const field of Object.keys(DECLARED_BACKUP_FIELDS) as DeclaredBackupField[]) {
    if (evidence[field] === undefined) evidence[field] = { unavailable: bounded(undeclaredBackupReason(field, files, unread), 500) };
  }
  return evidence;
}

interface Declarations {
  hosts_covered?: CoveredHost[];
  offline_copies?: OfflineCopy[];
  restore_tests?: RestoreTest[];
  extra?: NonNullable<ReturnType<typeof parseStatusFile>['extra']>;
}

export async function collectSource(source: BackupSourceConfig, options: BackupCollectOptions = {}, declared: Declarations = {}): Promise<BackupSource> {
  const target = displayTarget(source);
  try {
    switch (source.tool) {
      case 'restic': {
        const summary = await readRestic(source, options);
        if (source.reportHostsCovered === true) addCovered(declared, 'restic', target, summary);
        return observed('restic', target, summary);
      }
      case 'borg': {
        const summary = await readBorg(source, options);
        if (source.reportHostsCovered === true) addCovered(declared, 'borg', target, summary);
        return observed('borg', target, summary);
      }
      case 'wbadmin': {
        const versions = parseWbadminVersions(await runTool(options.binaries?.wbadmin ?? 'wbadmin', ['get', 'versions'], options.env ?? process.env, 'wbadmin get versions'), now(options));
        return observed('wbadmin', bounded(versions.location ?? target, 512), versions);
      }
      case 'timemachine':
        return observed('timemachine', target, parseTmutilListBackups(await runTool(options.binaries?.tmutil ?? 'tmutil', ['listbackups'], options.env ?? process.env, 'tmutil listbackups'), now(options)));
      case 'status-file': {
        const status = await readStatusFile(source.path, options);
        if (status.offline_copies) (declared.offline_copies ??= []).push(...status.offline_copies);
        if (status.restore_tests) (declared.restore_tests ??= []).push(...status.restore_tests);
        if (status.extra) {
          const extra = (declared.extra ??= {});
          if (status.extra.repositories) (extra.repositories ??= []).push(...status.extra.repositories);
          if (status.extra.destinations) (extra.destinations ??= []).push(...status.extra.destinations);
          if (status.extra.removable_targets) (extra.removable_targets ??= []).push(...status.extra.removable_targets);
          if (status.extra.console) extra.console = status.extra.console;
          if (status.extra.monitoring) extra.monitoring = status.extra.monitoring;
        }
        return observed('status-file', bounded(`${status.target} (${status.tool_name})`, 512), status);
      }
    }
  } catch (error) {
    let reason = (error as Error).message;
    // Tools echo the repository as given: never let its credentials into the reason.
    if ('repository' in source) reason = reason.split(source.repository).join(target);
    return { tool: source.tool, target, unavailable: bounded(reason || 'unknown error', 500) };
  }
}

/** What the evidence shows as the source's target: passwords removed, user names kept. */
export function displayTarget(source: BackupSourceConfig): string {
  if (source.tool === 'wbadmin') return 'Windows Server Backup (this host)';
  if (source.tool === 'timemachine') return 'Time Machine (this host)';
  const raw = source.tool === 'status-file' ? source.path : source.repository;
  return bounded(stripUrlCredentials(raw, true), 512);
}

function now(options: BackupCollectOptions): Date {
  return (options.now ?? (() => new Date()))();
}

function addCovered(declared: Declarations, tool: 'restic' | 'borg', target: string, summary: BackupSummary): void {
  const list = (declared.hosts_covered ??= []);
  for (const [hostname, seen] of summary.hosts ?? []) list.push({ hostname, tool, target, ...seen });
}

function observed(tool: BackupSource['tool'], target: string, summary: BackupSummary): BackupSource {
  return { tool, target, last_success_at: summary.last_success_at, snapshot_count: summary.snapshot_count };
}

async function readRestic(source: Extract<BackupSourceConfig, { tool: 'restic' }>, options: BackupCollectOptions): Promise<BackupSummary> {
  const args = ['-r', source.repository];
  if (source.passwordFile) args.push('--password-file', source.passwordFile);
  // --no-lock and --no-cache: read-only, and nothing written on the host or in the repository.
  args.push('--no-lock', '--no-cache', 'snapshots', '--json');
  if (source.host) args.push('--host', source.host);
  const env = { ...(options.env ?? process.env) };
  delete env.RESTIC_REPOSITORY; // the configured repository is the one asked, not an inherited one
  const stdout = await runTool(options.binaries?.restic ?? 'restic', args, env, 'restic snapshots');
  return parseResticSnapshots(stdout, (options.now ?? (() => new Date()))());
}

async function readBorg(source: Extract<BackupSourceConfig, { tool: 'borg' }>, options: BackupCollectOptions): Promise<BackupSummary> {
  const env: NodeJS.ProcessEnv = {
    ...(options.env ?? process.env),
    // borg 1.x prints archive times in the process's local zone without saying which:
    // forcing UTC makes parse-borg's "zone-less means UTC" true.
    TZ: 'UTC',
    // Never answer "yes" to an interactive question (stdin is closed anyway).
    BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'no',
    BORG_RELOCATED_REPO_ACCESS_IS_OK: 'no',
  };
  if (source.passphraseFile) {
    env.BORG_PASSPHRASE = await readSecretFile(source.passphraseFile);
    delete env.BORG_PASSCOMMAND;
    delete env.BORG_PASSPHRASE_FD;
  }
  // --bypass-lock: a listing must neither wait for a running backup nor leave a lock behind.
  // --format '{hostname}' adds each archive's host name to the JSON (borg reads its metadata: slower).
  const hostArgs = source.reportHostsCovered === true ? ['--format', '{hostname}'] : [];
  const stdout = await runTool(options.binaries?.borg ?? 'borg', ['list', '--json', ...hostArgs, '--bypass-lock', source.repository], env, 'borg list');
  return parseBorgList(stdout, (options.now ?? (() => new Date()))());
}

async function readStatusFile(path: string, options: BackupCollectOptions) {
  const text = await readFileBounded(path, STATUS_FILE_MAX_BYTES, 'status file');
  return parseStatusFile(text, (options.now ?? (() => new Date()))());
}

async function runTool(binary: string, args: string[], env: NodeJS.ProcessEnv, what: string): Promise<string> {
  const run = await runCommand(binary, args, { timeoutMs: TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT_BYTES, env });
  if (!run.ok) throw new Error(run.reason);
  if (run.code !== 0) throw new Error(`${what} failed (exit ${run.code}): ${stderrSummary(run.stderr) || 'no message'}`);
  return run.stdout;
}

/** The passphrase file's content, without the final newline editors add. */
async function readSecretFile(path: string): Promise<string> {
  const text = await readFileBounded(path, MAX_SECRET_FILE_BYTES, 'passphrase file');
  return text.replace(/\r?\n$/, '');
}

async function readFileBounded(path: string, maxBytes: number, what: string): Promise<string> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`);
  }
  if (data.length > maxBytes) throw new Error(`${what} ${path} is larger than ${maxBytes} bytes`);
  return data.toString('utf8');
}
