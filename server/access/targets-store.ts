// Rows of targets (maintained devices) and the vendors allowed on each. The sealed device
// credential is read only by findTargetCredential (the bastion's); every other read leaves it out.
import { randomUUID } from 'node:crypto';
import { fromDbJson, fromDbTime, fromDbTimeOrNull, toDbJson, toDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import type { SealedSecret } from '../secrets/sealed-secret.js';
import type { Channels, CredentialKind, Quorum, Target } from './model.js';

export interface NewTarget {
  target_id?: string;
  name: string;
  site: string;
  device_class: string;
  gateway_host_id: string;
  ssh_host: string;
  ssh_port: number;
  host_key_fingerprint: string;
  device_user: string;
  credential_kind: CredentialKind;
  quorum: Quorum;
  max_window_minutes: number;
  channels: Channels;
  record_input: boolean;
  first_connect_timeout_minutes: number | null;
  vendor_ids: readonly string[];
}

/** Insert a target with its sealed credential (sealed for this target_id) and allowed vendors. */
export async function insertTarget(db: Database, targetId: string, input: NewTarget, sealed: SealedSecret, now: Date): Promise<void> {
  await db
    .insertInto('access_targets')
    .values({
      target_id: targetId,
      name: input.name,
      site: input.site,
      device_class: input.device_class,
      gateway_host_id: input.gateway_host_id,
      ssh_host: input.ssh_host,
      ssh_port: input.ssh_port,
      host_key_fingerprint: input.host_key_fingerprint,
      device_user: input.device_user,
      credential_kind: input.credential_kind,
      device_credential: sealed,
      quorum: toDbJson(input.quorum),
      max_window_minutes: input.max_window_minutes,
      channels: toDbJson(input.channels),
      record_input: input.record_input ? 1 : 0,
      first_connect_timeout_minutes: input.first_connect_timeout_minutes,
      created_at: toDbTime(now),
      updated_at: toDbTime(now),
      disabled_at: null,
    })
    .execute();
  if (input.vendor_ids.length > 0) {
    await db
      .insertInto('access_target_vendors')
      .values(input.vendor_ids.map((vendor_id) => ({ target_id: targetId, vendor_id })))
      .execute();
  }
}

export const newTargetId = () => randomUUID();

// Every column but device_credential.
const columns = [
  'target_id',
  'name',
  'site',
  'device_class',
  'gateway_host_id',
  'ssh_host',
  'ssh_port',
  'host_key_fingerprint',
  'device_user',
  'credential_kind',
  'quorum',
  'max_window_minutes',
  'channels',
  'record_input',
  'first_connect_timeout_minutes',
  'created_at',
  'updated_at',
  'disabled_at',
] as const;

type TargetRow = {
  target_id: string;
  name: string;
  site: string;
  device_class: string;
  gateway_host_id: string;
  ssh_host: string;
  ssh_port: number | string;
  host_key_fingerprint: string;
  device_user: string;
  credential_kind: string;
  quorum: unknown;
  max_window_minutes: number | string;
  channels: unknown;
  record_input: number | string;
  first_connect_timeout_minutes: number | string | null;
  created_at: string | Date;
  updated_at: string | Date;
  disabled_at: string | Date | null;
};

async function withVendors(db: Database, rows: TargetRow[]): Promise<Target[]> {
  if (rows.length === 0) return [];
  const links = await db
    .selectFrom('access_target_vendors')
    .innerJoin('vendors', 'vendors.vendor_id', 'access_target_vendors.vendor_id')
    .select(['access_target_vendors.target_id', 'vendors.slug'])
    .where(
      'access_target_vendors.target_id',
      'in',
      rows.map((r) => r.target_id),
    )
    .orderBy('vendors.slug')
    .execute();
  return rows.map((r) => ({
    target_id: r.target_id,
    name: r.name,
    site: r.site,
    device_class: r.device_class,
    gateway_host_id: r.gateway_host_id,
    ssh_host: r.ssh_host,
    ssh_port: Number(r.ssh_port),
    host_key_fingerprint: r.host_key_fingerprint,
    device_user: r.device_user,
    // Only CREDENTIAL_KINDS values are written (checked by createTarget's schema).
    credential_kind: r.credential_kind as CredentialKind,
    vendors: links.filter((l) => l.target_id === r.target_id).map((l) => l.slug),
    quorum: fromDbJson(r.quorum) as Quorum,
    max_window_minutes: Number(r.max_window_minutes),
    channels: fromDbJson(r.channels) as Channels,
    record_input: Number(r.record_input) === 1,
    first_connect_timeout_minutes: r.first_connect_timeout_minutes === null ? null : Number(r.first_connect_timeout_minutes),
    created_at: fromDbTime(r.created_at),
    updated_at: fromDbTime(r.updated_at),
    disabled_at: fromDbTimeOrNull(r.disabled_at),
  }));
}

export const MAX_TARGETS_LISTED = 2000;

export async function listTargets(db: Database, filter: { vendor_id?: string; site?: string } = {}): Promise<Target[]> {
  let q = db.selectFrom('access_targets').select(columns);
  if (filter.site !== undefined) q = q.where('site', '=', filter.site);
  if (filter.vendor_id !== undefined) {
    const vendorId = filter.vendor_id;
    q = q.where('target_id', 'in', (eb) => eb.selectFrom('access_target_vendors').select('target_id').where('vendor_id', '=', vendorId));
  }
  return withVendors(db, await q.orderBy('name').limit(MAX_TARGETS_LISTED).execute());
}

export async function findTarget(db: Database, by: { target_id: string } | { name: string }): Promise<Target | undefined> {
  const q = db.selectFrom('access_targets').select(columns);
  const row = await ('target_id' in by ? q.where('target_id', '=', by.target_id) : q.where('name', '=', by.name)).executeTakeFirst();
  return row === undefined ? undefined : (await withVendors(db, [row]))[0];
}

export async function targetsBehindGateway(db: Database, hostId: string): Promise<Target[]> {
  return withVendors(db, await db.selectFrom('access_targets').select(columns).where('gateway_host_id', '=', hostId).orderBy('name').execute());
}

/** The stored (sealed) device credential of a target: for the bastion alone. */
export async function findSealedDeviceCredential(db: Database, targetId: string): Promise<string | undefined> {
  const row = await db.selectFrom('access_targets').select('device_credential').where('target_id', '=', targetId).executeTakeFirst();
  return row?.device_credential;
}

export async function isVendorAllowed(db: Database, targetId: string, vendorId: string): Promise<boolean> {
  const row = await db.selectFrom('access_target_vendors').select('target_id').where('target_id', '=', targetId).where('vendor_id', '=', vendorId).executeTakeFirst();
  return row !== undefined;
}
