// `vigie target ...`, `vigie vendor ...`, `vigie vendor key ...`, `vigie access ...`: the access
// directory and requests from the server's shell, on the same functions as the API (same rules,
// same audit entries). A person acting (`--as USER`) proves it with their current TOTP code
// (--totp-code or VIGIE_TOTP_CODE), checked like a login code. The device credential is read
// from a file, sealed at once, and never printed.
import { readFileSync } from 'node:fs';
import { Type } from 'typebox';
import { loadShippedPacks } from '../../policies/pack.js';
import { loadSiteOverlays } from '../app.js';
import type { AuditActor } from '../auditlog/auditlog.js';
import { timelineOf } from '../access/routes.js';
import { resolveConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { findUserByUsername } from '../db/users.js';
import { ApiError } from '../errors.js';
import { openSecretsKey } from '../secrets/secrets-key.js';
import { setContact, type NoticeLang } from '../access/contacts.js';
import { addSshKey, addVendorMember, createTarget, createVendor, removeSshKey } from '../access/directory.js';
import { ACCESS_STATES, CREDENTIAL_KINDS, DEVICE_CLASSES, requestAuditTarget, type AccessState, type Channels, type Quorum } from '../access/model.js';
import { createAccessNotifier } from '../access/notify-access.js';
import { accessNotifyConfigFromEnv } from '../access/notify-config.js';
import { findRequest, listRequests, listReviews, MAX_REQUESTS_LISTED } from '../access/requests-store.js';
import { quorumProgress } from '../access/review-rules.js';
import { verifyStepUp } from '../access/step-up.js';
import { findTarget, listTargets } from '../access/targets-store.js';
import { cancelRequest, createRequest, reviewRequest, revokeRequest, type AccessActor, type AccessDeps } from '../access/transitions.js';
import { findVendorBySlug, listSshKeys, listVendorMembers, listVendors } from '../access/vendors-store.js';
import { cliActorId } from './audit.js';
import { DataDirOption, dataDirSpec, JsonOption, jsonSpec } from './common.js';
import type { CliIo } from './io.js';
import { parseCommand, UsageError } from './options.js';

/**
 * Where the throttle counts a CLI step-up attempt, in place of a network address: per person acting
 * (`--as`), so one reviewer's mistyped codes lock that reviewer (and their account, shared with the
 * web login) and never every other CLI user with them, as one shared 'cli' address did.
 */
export const cliStepUpSource = (actor: Pick<AccessActor, 'username'>) => `cli:${actor.username.toLowerCase()}`;
const cliActor = (): AuditActor => ({ type: 'cli', id: cliActorId() });
const text = (min: number, max: number) => Type.String({ minLength: min, maxLength: max });

/** The database, secrets key, packs and overlays the access functions need; notices flushed at the end. */
async function withAccess<T>(io: CliIo, dataDir: string | undefined, work: (deps: AccessDeps & { db: Database }) => Promise<T>): Promise<T> {
  const config = resolveConfig(dataDir === undefined ? {} : { dataDir }, io.env);
  const secretsKey = openSecretsKey(config);
  const packs = loadShippedPacks();
  const overlays = loadSiteOverlays(config.dataDir, packs);
  const channels = accessNotifyConfigFromEnv(io.env);
  const db = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const log = { error: (d: object, m: string) => io.stderr(`${m} ${JSON.stringify(d)}`), warn: () => {}, info: () => {} };
  const notifier = createAccessNotifier({ db, config: channels, log, now: () => new Date() });
  try {
    return await work({ db, secretsKey, packs, overlays, log: log as unknown as AccessDeps['log'], notifier });
  } finally {
    await notifier.close();
    await db.destroy();
  }
}

/** API errors of the access functions are the CLI's failures (exit 1) with their message. */
async function apiErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) throw new Error(`${error.message}${(error.details ?? []).length > 0 ? ` (${(error.details ?? []).map((d) => d.field).join(', ')})` : ''}`);
    throw error;
  }
}

async function person(db: Database, username: string): Promise<AccessActor> {
  const user = await findUserByUsername(db, username);
  if (user === undefined || user.disabled_at !== null) throw new UsageError(`No active user ${username.slice(0, 64)}.`);
  return { user_id: user.user_id, username: user.username, role: user.role as AccessActor['role'] };
}

function totpOf(io: CliIo, given: string | undefined): string {
  const code = given ?? io.env.VIGIE_TOTP_CODE;
  if (code === undefined || !/^\d{6}$/.test(code)) throw new UsageError('A current 6-digit TOTP code of the person acting is needed (--totp-code or VIGIE_TOTP_CODE).');
  return code;
}

/** One line per table row, tabs between cells, control characters made spaces. */
const row = (cells: (string | number | null)[]) => cells.map((c) => String(c ?? '-').replace(/[\x00-\x1f\x7f]+/g, ' ')).join('\t');

// ---------------------------------------------------------------- vendor

export const VENDOR_ADD_USAGE = `Usage: vigie vendor add --slug SLUG --name NAME [--member USER]... [--data-dir D] [--json]

Add a vendor (fournisseur): a company whose people (users of role vendor) ask for access.
--member attaches an existing user of role vendor to it (one vendor per user).`;

export async function vendorAdd(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie vendor add',
    args,
    { slug: { type: 'string' }, name: { type: 'string' }, member: { type: 'string', multiple: true }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ slug: text(2, 63), name: text(1, 200), member: Type.Optional(Type.Array(text(1, 64), { maxItems: 50 })), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  return withAccess(io, options['data-dir'], async ({ db }) => {
    const now = new Date();
    const vendor = await apiErrors(async () => {
      const existing = await findVendorBySlug(db, options.slug);
      const v = existing ?? (await createVendor(db, { slug: options.slug, name: options.name }, cliActor(), now));
      for (const member of options.member ?? []) await addVendorMember(db, v.slug, member, cliActor(), now);
      if (existing !== undefined && (options.member ?? []).length === 0) throw new ApiError(409, 'vendor_exists', `A vendor ${options.slug} exists already.`);
      return v;
    });
    const members = (await listVendorMembers(db, vendor.vendor_id)).map((m) => m.username);
    if (options.json === true) io.stdout(JSON.stringify({ vendor, members }));
    else io.stdout(`Vendor ${vendor.slug} (${vendor.name})${members.length > 0 ? `: ${members.join(', ')}` : ''}.`);
    return 0;
  });
}

export const VENDOR_LIST_USAGE = `Usage: vigie vendor list [--data-dir D] [--json]

List vendors and their members.`;

export async function vendorList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand('vigie vendor list', args, { ...dataDirSpec, ...jsonSpec }, Type.Object({ 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }));
  return withAccess(io, options['data-dir'], async ({ db }) => {
    const vendors = await Promise.all((await listVendors(db)).map(async (v) => ({ ...v, members: (await listVendorMembers(db, v.vendor_id)).map((m) => m.username) })));
    if (options.json === true) io.stdout(JSON.stringify({ vendors }));
    else if (vendors.length === 0) io.stdout('No vendor.');
    else {
      io.stdout(row(['SLUG', 'NAME', 'MEMBERS', 'DISABLED']));
      for (const v of vendors) io.stdout(row([v.slug, v.name, v.members.join(',') || '-', v.disabled_at]));
    }
    return 0;
  });
}

// ---------------------------------------------------------------- vendor key

export const VENDOR_KEY_ADD_USAGE = `Usage: vigie vendor key add --user USER --key-file PATH [--data-dir D] [--json]

Register an OpenSSH public key (one authorized_keys line) for USER; its SHA-256 fingerprint is printed.`;

export async function vendorKeyAdd(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie vendor key add',
    args,
    { user: { type: 'string' }, 'key-file': { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ user: text(1, 64), 'key-file': text(1, 4096), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  let line: string;
  try {
    line = readFileSync(options['key-file'], 'utf8').split('\n').find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  } catch (error) {
    throw new UsageError(`vigie vendor key add: cannot read ${options['key-file']}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return withAccess(io, options['data-dir'], async ({ db }) => {
    const owner = await person(db, options.user);
    const key = await apiErrors(() => addSshKey(db, owner, line, cliActor(), new Date()));
    if (options.json === true) io.stdout(JSON.stringify({ key }));
    else io.stdout(`Key ${key.fingerprint} (${key.algorithm}${key.comment === '' ? '' : `, ${key.comment}`}) registered for ${owner.username}.`);
    return 0;
  });
}

export const VENDOR_KEY_LIST_USAGE = `Usage: vigie vendor key list --user USER [--data-dir D] [--json]

List USER's registered SSH public keys (fingerprint, algorithm, comment).`;

export async function vendorKeyList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie vendor key list',
    args,
    { user: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ user: text(1, 64), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
  );
  return withAccess(io, options['data-dir'], async ({ db }) => {
    const owner = await person(db, options.user);
    const keys = await listSshKeys(db, owner.user_id);
    if (options.json === true) io.stdout(JSON.stringify({ keys }));
    else if (keys.length === 0) io.stdout(`No key for ${owner.username}.`);
    else {
      io.stdout(row(['KEY_ID', 'FINGERPRINT', 'ALGORITHM', 'COMMENT', 'ADDED']));
      for (const k of keys) io.stdout(row([k.key_id, k.fingerprint, k.algorithm, k.comment, k.created_at]));
    }
    return 0;
  });
}

export const VENDOR_KEY_REMOVE_USAGE = `Usage: vigie vendor key remove --user USER KEY_ID|SHA256:FINGERPRINT [--data-dir D] [--json]

Remove one of USER's SSH public keys.`;

export async function vendorKeyRemove(args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand(
    'vigie vendor key remove',
    args,
    { user: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ user: text(1, 64), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
    1,
  );
  const ref = positionals[0];
  if (ref === undefined) throw new UsageError('vigie vendor key remove: name the key (its id or SHA256: fingerprint)');
  return withAccess(io, options['data-dir'], async ({ db }) => {
    const owner = await person(db, options.user);
    await apiErrors(() => removeSshKey(db, owner, ref, cliActor(), new Date()));
    if (options.json === true) io.stdout(JSON.stringify({ removed: ref }));
    else io.stdout(`Key ${ref} of ${owner.username} removed.`);
    return 0;
  });
}

// ---------------------------------------------------------------- target

export const TARGET_ADD_USAGE = `Usage: vigie target add --name NAME --site SITE --class CLASS --gateway HOST_ID
                        --ssh HOST[:PORT] --host-key SHA256:... --device-user USER
                        --credential-kind password|ed25519 --credential-file PATH
                        [--vendor SLUG]... [--quorum rssi=1,biomedical=1] [--max-window-minutes N]
                        [--channels shell,exec,sftp] [--tcp-port N]... [--no-record-input]
                        [--first-connect-minutes N] [--data-dir D] [--json]

Add a maintained device (équipement maintenu) behind an enrolled telemaintenance gateway. The
device credential (password, or OpenSSH private key for ed25519) is read from --credential-file,
sealed with the secrets key at once and never shown again by any command or route.
CLASS: ${DEVICE_CLASSES.join(', ')}.`;

function parseQuorum(value: string): Quorum {
  const quorum: Quorum = {};
  for (const part of value.split(',')) {
    const match = /^(admin|rssi|biomedical)=([0-5])$/.exec(part.trim());
    if (match === null) throw new UsageError(`vigie target add: --quorum "${value}": expected role=count pairs (admin, rssi, biomedical; 0-5), e.g. rssi=1,biomedical=1`);
    quorum[match[1] as keyof Quorum] = Number(match[2]);
  }
  return quorum;
}

export async function targetAdd(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie target add',
    args,
    {
      name: { type: 'string' }, site: { type: 'string' }, class: { type: 'string' }, gateway: { type: 'string' }, ssh: { type: 'string' },
      'host-key': { type: 'string' }, 'device-user': { type: 'string' }, 'credential-kind': { type: 'string' }, 'credential-file': { type: 'string' },
      vendor: { type: 'string', multiple: true }, quorum: { type: 'string' }, 'max-window-minutes': { type: 'string' }, channels: { type: 'string' },
      'tcp-port': { type: 'string', multiple: true }, 'no-record-input': { type: 'boolean' }, 'first-connect-minutes': { type: 'string' },
      ...dataDirSpec, ...jsonSpec,
    },
    Type.Object(
      {
        name: text(2, 63), site: text(1, 64), class: Type.Enum(DEVICE_CLASSES), gateway: text(1, 64), ssh: text(1, 262),
        'host-key': text(1, 60), 'device-user': Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
        'credential-kind': Type.Enum(CREDENTIAL_KINDS), 'credential-file': text(1, 4096),
        vendor: Type.Optional(Type.Array(text(2, 63), { maxItems: 32 })), quorum: Type.Optional(text(1, 64)),
        'max-window-minutes': Type.Optional(Type.Integer({ minimum: 5, maximum: 7 * 24 * 60 })), channels: Type.Optional(text(1, 32)),
        'tcp-port': Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), { maxItems: 16 })), 'no-record-input': Type.Optional(Type.Boolean()),
        'first-connect-minutes': Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 60 })), 'data-dir': DataDirOption, json: JsonOption,
      },
      { additionalProperties: false },
    ),
  );
  const ssh = /^(\[[^\]]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(options.ssh);
  if (ssh === null) throw new UsageError(`vigie target add: --ssh "${options.ssh}": expected HOST or HOST:PORT`);
  const port = ssh[2] === undefined ? 22 : Number(ssh[2]);
  if (port < 1 || port > 65535) throw new UsageError(`vigie target add: --ssh port ${port} is out of range`);
  const names = (options.channels ?? 'shell,exec').split(',').map((c) => c.trim());
  const unknown = names.filter((c) => !['shell', 'exec', 'sftp'].includes(c));
  if (unknown.length > 0) throw new UsageError(`vigie target add: --channels: unknown ${unknown.join(', ')} (shell, exec, sftp)`);
  const channels: Channels = { shell: names.includes('shell'), exec: names.includes('exec'), sftp: names.includes('sftp'), direct_tcpip_ports: [...new Set(options['tcp-port'] ?? [])] };
  let credential: string;
  try {
    credential = readFileSync(options['credential-file'], 'utf8');
  } catch (error) {
    throw new UsageError(`vigie target add: cannot read --credential-file: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  // A password file usually ends with a newline that is not part of the password.
  if (options['credential-kind'] === 'password') credential = credential.replace(/\r?\n$/, '');
  return withAccess(io, options['data-dir'], async ({ db, secretsKey }) => {
    const target = await apiErrors(() =>
      createTarget(
        db,
        secretsKey,
        {
          name: options.name, site: options.site, device_class: options.class, gateway_host_id: options.gateway, ssh_host: ssh[1]!.replace(/^\[|\]$/g, ''), ssh_port: port,
          host_key_fingerprint: options['host-key'], device_user: options['device-user'], credential_kind: options['credential-kind'], device_credential: credential,
          vendors: options.vendor ?? [], quorum: options.quorum === undefined ? { rssi: 1, biomedical: 1 } : parseQuorum(options.quorum),
          max_window_minutes: options['max-window-minutes'] ?? 8 * 60, channels, record_input: options['no-record-input'] !== true,
          first_connect_timeout_minutes: options['first-connect-minutes'] ?? null,
        },
        cliActor(),
        new Date(),
      ),
    );
    if (options.json === true) io.stdout(JSON.stringify({ target }));
    else io.stdout(`Target ${target.name} (${target.site}, ${target.device_class}) added behind gateway ${target.gateway_host_id}; the device credential is sealed.`);
    return 0;
  });
}

export const TARGET_LIST_USAGE = `Usage: vigie target list [--site SITE] [--data-dir D] [--json]

List maintained devices (never their credential).`;

export async function targetList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand('vigie target list', args, { site: { type: 'string' }, ...dataDirSpec, ...jsonSpec }, Type.Object({ site: Type.Optional(text(1, 64)), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }));
  return withAccess(io, options['data-dir'], async ({ db }) => {
    const targets = await listTargets(db, options.site === undefined ? {} : { site: options.site });
    if (options.json === true) io.stdout(JSON.stringify({ targets }));
    else if (targets.length === 0) io.stdout('No target.');
    else {
      io.stdout(row(['NAME', 'SITE', 'CLASS', 'SSH', 'VENDORS', 'QUORUM', 'MAX_WINDOW_MIN', 'DISABLED']));
      for (const x of targets) io.stdout(row([x.name, x.site, x.device_class, `${x.ssh_host}:${x.ssh_port}`, x.vendors.join(',') || '-', Object.entries(x.quorum).map(([k, v]) => `${k}=${v}`).join(','), x.max_window_minutes, x.disabled_at]));
    }
    return 0;
  });
}

export const TARGET_SHOW_USAGE = `Usage: vigie target show NAME [--data-dir D] [--json]

Show one maintained device (never its credential: only its kind and device user).`;

export async function targetShow(args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand('vigie target show', args, { ...dataDirSpec, ...jsonSpec }, Type.Object({ 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }), 1);
  const name = positionals[0];
  if (name === undefined) throw new UsageError('vigie target show: name the target');
  return withAccess(io, options['data-dir'], async ({ db }) => {
    const target = await findTarget(db, { name });
    if (target === undefined) throw new Error(`No target named ${name.slice(0, 64)}.`);
    if (options.json === true) io.stdout(JSON.stringify({ target }));
    else {
      for (const [k, v] of Object.entries(target)) io.stdout(`${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`.replace(/[\x00-\x09\x0b-\x1f\x7f]+/g, ' '));
    }
    return 0;
  });
}

// ---------------------------------------------------------------- access

const MonthPattern = '^\\d{4}-(0[1-9]|1[0-2])$';

export const ACCESS_LIST_USAGE = `Usage: vigie access list [--state STATE] [--vendor SLUG] [--target NAME] [--site SITE]
                        [--month YYYY-MM] [--limit N] [--data-dir D] [--json]

List access requests, newest first. STATE: ${ACCESS_STATES.join(', ')}.`;

export async function accessList(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie access list',
    args,
    { state: { type: 'string' }, vendor: { type: 'string' }, target: { type: 'string' }, site: { type: 'string' }, month: { type: 'string' }, limit: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object(
      {
        state: Type.Optional(Type.Enum(ACCESS_STATES)), vendor: Type.Optional(text(2, 63)), target: Type.Optional(text(2, 63)), site: Type.Optional(text(1, 64)),
        month: Type.Optional(Type.String({ pattern: MonthPattern })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REQUESTS_LISTED })), 'data-dir': DataDirOption, json: JsonOption,
      },
      { additionalProperties: false },
    ),
  );
  return withAccess(io, options['data-dir'], async ({ db }) => {
    const vendor = options.vendor === undefined ? undefined : await findVendorBySlug(db, options.vendor);
    const target = options.target === undefined ? undefined : await findTarget(db, { name: options.target });
    if (options.vendor !== undefined && vendor === undefined) throw new Error(`No vendor ${options.vendor}.`);
    if (options.target !== undefined && target === undefined) throw new Error(`No target named ${options.target}.`);
    const from = options.month === undefined ? undefined : new Date(`${options.month}-01T00:00:00Z`);
    const to = from === undefined ? undefined : new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
    const requests = await listRequests(db, {
      ...(options.state === undefined ? {} : { states: [options.state as AccessState] }),
      ...(vendor === undefined ? {} : { vendor_id: vendor.vendor_id }),
      ...(target === undefined ? {} : { target_id: target.target_id }),
      ...(options.site === undefined ? {} : { site: options.site }),
      ...(from === undefined || to === undefined ? {} : { from, to }),
      limit: options.limit ?? 100,
    });
    if (options.json === true) io.stdout(JSON.stringify({ requests }));
    else if (requests.length === 0) io.stdout('No access request.');
    else {
      io.stdout(row(['REQUEST_ID', 'STATE', 'TARGET', 'SITE', 'REQUESTER', 'NOT_BEFORE', 'NOT_AFTER', 'EMERGENCY', 'OVERRIDE', 'TICKET']));
      for (const r of requests) io.stdout(row([r.request_id, r.state, r.target, r.site, r.requester, r.not_before, r.not_after, r.emergency ? 'yes' : 'no', r.posture_override === null ? 'no' : 'YES', r.ticket]));
    }
    return 0;
  });
}

export const ACCESS_SHOW_USAGE = `Usage: vigie access show REQUEST_ID [--data-dir D] [--json]

Show one access request: its window, reviews, quorum progress and timeline (audit-log entries).`;

export async function accessShow(args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand('vigie access show', args, { ...dataDirSpec, ...jsonSpec }, Type.Object({ 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }), 1);
  const id = positionals[0];
  if (id === undefined || !/^[0-9a-f-]{36}$/.test(id)) throw new UsageError('vigie access show: give the request id (a UUID)');
  return withAccess(io, options['data-dir'], async ({ db }) => {
    const request = await findRequest(db, id);
    if (request === undefined) throw new Error('No such access request.');
    const reviews = await listReviews(db, id);
    const quorum = quorumProgress(request.quorum, reviews.filter((r) => r.decision === 'approve').map((r) => r.reviewer_role), request.posture_override !== null);
    const timeline = await timelineOf(db, id);
    if (options.json === true) {
      io.stdout(JSON.stringify({ request, reviews, quorum, timeline }));
      return 0;
    }
    const r = request;
    io.stdout(row([`Request ${r.request_id}: ${r.state}${r.emergency ? ' (EMERGENCY)' : ''}`]));
    io.stdout(row([`  ${r.requester}${r.vendor === null ? '' : ` (${r.vendor})`} -> ${r.target} at ${r.site}, ticket ${r.ticket}`]));
    io.stdout(row([`  window ${r.not_before} .. ${r.not_after} (asked ${r.requested_not_before} .. ${r.requested_not_after}); review deadline ${r.review_deadline}`]));
    io.stdout(row([`  reason: ${r.reason}`]));
    io.stdout(row([`  quorum: ${quorum.have_total}/${quorum.needed_total}${quorum.reached ? ' reached' : ''}`]));
    if (r.posture_override !== null) io.stdout(row([`  POSTURE OVERRIDE by ${r.posture_override.by}: ${r.posture_override.justification} (${r.posture_override.failing_rules.join(', ')})`]));
    for (const v of reviews) io.stdout(row([`  review: ${v.reviewer} (${v.reviewer_role}) ${v.decision} at ${v.created_at}: ${v.comment}`]));
    for (const e of timeline) io.stdout(row([`  ${e.at} ${e.actor} ${e.action}`]));
    return 0;
  });
}

const PersonOptions = { as: { type: 'string' }, 'totp-code': { type: 'string' } } as const;
const PersonSchema = { as: text(1, 64), 'totp-code': Type.Optional(Type.String({ pattern: '^\\d{6}$' })) };

function decisionUsage(verb: 'approve' | 'deny'): string {
  return `Usage: vigie access ${verb} REQUEST_ID --as USER --comment TEXT [--totp-code CODE]${
    verb === 'approve' ? '\n                        [--not-before ISO] [--not-after ISO] [--override-justification TEXT]' : ''
  } [--data-dir D] [--json]

${verb === 'approve' ? 'Approve' : 'Deny'} an access request as USER (a reviewer: admin, rssi, biomedical), with USER's current
TOTP code (--totp-code or VIGIE_TOTP_CODE), checked like a login code. Same rules as the API: no
self-approval, one review per person${verb === 'approve' ? ', the window may only be shortened, the posture gate is checked' : ''}.`;
}

export const ACCESS_APPROVE_USAGE = decisionUsage('approve');
export const ACCESS_DENY_USAGE = decisionUsage('deny');

async function decide(verb: 'approve' | 'deny', args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand(
    `vigie access ${verb}`,
    args,
    { ...PersonOptions, comment: { type: 'string' }, 'not-before': { type: 'string' }, 'not-after': { type: 'string' }, 'override-justification': { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object(
      {
        ...PersonSchema,
        comment: verb === 'deny' ? text(1, 2000) : Type.Optional(Type.String({ maxLength: 2000 })),
        'not-before': Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
        'not-after': Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
        'override-justification': Type.Optional(text(1, 2000)),
        'data-dir': DataDirOption,
        json: JsonOption,
      },
      { additionalProperties: false },
    ),
    1,
  );
  const id = positionals[0];
  if (id === undefined || !/^[0-9a-f-]{36}$/.test(id)) throw new UsageError(`vigie access ${verb}: give the request id (a UUID)`);
  if (verb === 'deny' && (options['not-before'] !== undefined || options['not-after'] !== undefined || options['override-justification'] !== undefined)) {
    throw new UsageError('vigie access deny: --not-before, --not-after and --override-justification belong to approve');
  }
  const code = totpOf(io, options['totp-code']);
  return withAccess(io, options['data-dir'], async (deps) => {
    const actor = await person(deps.db, options.as);
    const outcome = await apiErrors(() =>
      reviewRequest(
        deps,
        actor,
        id,
        {
          decision: verb,
          comment: options.comment ?? '',
          totp_code: code,
          ...(options['not-before'] === undefined ? {} : { not_before: options['not-before'] }),
          ...(options['not-after'] === undefined ? {} : { not_after: options['not-after'] }),
          ...(options['override-justification'] === undefined ? {} : { override_justification: options['override-justification'] }),
        },
        cliStepUpSource(actor),
        new Date(),
      ),
    );
    if (options.json === true) io.stdout(JSON.stringify({ request: outcome.request, quorum: outcome.quorum }));
    else io.stdout(`Request ${id}: ${outcome.request.state} (quorum ${outcome.quorum.have_total}/${outcome.quorum.needed_total}); window ${outcome.request.not_before} .. ${outcome.request.not_after}.`);
    return 0;
  });
}

export const accessApprove = (args: string[], io: CliIo) => decide('approve', args, io);
export const accessDeny = (args: string[], io: CliIo) => decide('deny', args, io);

export const ACCESS_REVOKE_USAGE = `Usage: vigie access revoke REQUEST_ID --as USER --reason TEXT [--totp-code CODE] [--data-dir D] [--json]

End a grant (approved or active) at once, as USER (admin, rssi, biomedical) with USER's current TOTP
code; the bastion cuts its sessions.`;

export const ACCESS_CANCEL_USAGE = `Usage: vigie access cancel REQUEST_ID --as USER [--reason TEXT] [--totp-code CODE] [--data-dir D] [--json]

Withdraw a pending or approved request, as its requester USER with USER's current TOTP code.`;

async function endRequest(verb: 'revoke' | 'cancel', args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand(
    `vigie access ${verb}`,
    args,
    { ...PersonOptions, reason: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ ...PersonSchema, reason: verb === 'revoke' ? text(1, 2000) : Type.Optional(Type.String({ maxLength: 2000 })), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
    1,
  );
  const id = positionals[0];
  if (id === undefined || !/^[0-9a-f-]{36}$/.test(id)) throw new UsageError(`vigie access ${verb}: give the request id (a UUID)`);
  const code = totpOf(io, options['totp-code']);
  return withAccess(io, options['data-dir'], async (deps) => {
    const actor = await person(deps.db, options.as);
    const now = new Date();
    const request = await apiErrors(async () => {
      await verifyStepUp(deps, actor.user_id, code, cliStepUpSource(actor), now, `${verb} of ${requestAuditTarget(id)} (cli)`);
      return verb === 'revoke' ? revokeRequest(deps, actor, id, options.reason ?? '', now) : cancelRequest(deps, actor, id, options.reason ?? '', now);
    });
    if (options.json === true) io.stdout(JSON.stringify({ request }));
    else io.stdout(`Request ${id}: ${request.state}.`);
    return 0;
  });
}

export const accessRevoke = (args: string[], io: CliIo) => endRequest('revoke', args, io);
export const accessCancel = (args: string[], io: CliIo) => endRequest('cancel', args, io);

export const ACCESS_REQUEST_USAGE = `Usage: vigie access request --as USER --target NAME --not-after ISO [--not-before ISO]
                        --reason TEXT --ticket REF [--emergency] [--totp-code CODE] [--data-dir D] [--json]

Ask for a window on a target, as USER with USER's current TOTP code. An emergency starts now and
lasts at most 2 h; every approver is told at once.`;

export async function accessRequest(args: string[], io: CliIo): Promise<number> {
  const { options } = parseCommand(
    'vigie access request',
    args,
    { ...PersonOptions, target: { type: 'string' }, 'not-before': { type: 'string' }, 'not-after': { type: 'string' }, reason: { type: 'string' }, ticket: { type: 'string' }, emergency: { type: 'boolean' }, ...dataDirSpec, ...jsonSpec },
    Type.Object(
      {
        ...PersonSchema, target: text(1, 64), 'not-before': Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })), 'not-after': Type.String({ format: 'date-time', maxLength: 40 }),
        reason: text(1, 2000), ticket: text(1, 64), emergency: Type.Optional(Type.Boolean()), 'data-dir': DataDirOption, json: JsonOption,
      },
      { additionalProperties: false },
    ),
  );
  const code = totpOf(io, options['totp-code']);
  return withAccess(io, options['data-dir'], async (deps) => {
    const actor = await person(deps.db, options.as);
    const now = new Date();
    const request = await apiErrors(async () => {
      await verifyStepUp(deps, actor.user_id, code, cliStepUpSource(actor), now, 'access request (cli)');
      return createRequest(deps, actor, { target: options.target, not_before: options['not-before'], not_after: options['not-after'], reason: options.reason, ticket: options.ticket, emergency: options.emergency }, now);
    });
    if (options.json === true) io.stdout(JSON.stringify({ request }));
    else io.stdout(`Request ${request.request_id}: ${request.state}; review deadline ${request.review_deadline}.`);
    return 0;
  });
}

export const ACCESS_CONTACT_USAGE = `Usage: vigie access contact USER --email ADDRESS [--lang fr|en] [--data-dir D] [--json]

Set where USER receives access notices by email (new requests to approvers, decisions to
requesters), and the language the message opens with (French by default; the other follows).`;

export async function accessContact(args: string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseCommand(
    'vigie access contact',
    args,
    { email: { type: 'string' }, lang: { type: 'string' }, ...dataDirSpec, ...jsonSpec },
    Type.Object({ email: text(3, 254), lang: Type.Optional(Type.Union([Type.Literal('fr'), Type.Literal('en')])), 'data-dir': DataDirOption, json: JsonOption }, { additionalProperties: false }),
    1,
  );
  const username = positionals[0];
  if (username === undefined) throw new UsageError('vigie access contact: name the user');
  return withAccess(io, options['data-dir'], async ({ db }) => {
    const lang: NoticeLang = options.lang ?? 'fr';
    await apiErrors(() => setContact(db, username, { email: options.email, lang }, cliActor(), new Date()));
    if (options.json === true) io.stdout(JSON.stringify({ user: username, email: options.email, lang }));
    else io.stdout(`Access notices for ${username} go to ${options.email} (${lang} first).`);
    return 0;
  });
}
