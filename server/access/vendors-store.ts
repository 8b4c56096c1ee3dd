// Rows of vendors (companies), their members (users of role `vendor`) and their SSH public keys.
import { randomUUID } from 'node:crypto';
import { fromDbTime, fromDbTimeOrNull, toDbTime } from '../db/columns.js';
import type { Database } from '../db/schema.js';
import type { SshKey, Vendor } from './model.js';
import type { ParsedPublicKey } from './ssh-public-key.js';

type VendorRow = { vendor_id: string; slug: string; name: string; created_at: string | Date; disabled_at: string | Date | null };

const toVendor = (r: VendorRow): Vendor => ({
  vendor_id: r.vendor_id,
  slug: r.slug,
  name: r.name,
  created_at: fromDbTime(r.created_at),
  disabled_at: fromDbTimeOrNull(r.disabled_at),
});

export async function insertVendor(db: Database, input: { slug: string; name: string; now: Date }): Promise<Vendor> {
  const row = { vendor_id: randomUUID(), slug: input.slug, name: input.name, created_at: toDbTime(input.now), disabled_at: null };
  await db.insertInto('vendors').values(row).execute();
  return toVendor(row);
}

export const MAX_VENDORS_LISTED = 1000;

export async function listVendors(db: Database): Promise<Vendor[]> {
  return (await db.selectFrom('vendors').selectAll().orderBy('slug').limit(MAX_VENDORS_LISTED).execute()).map(toVendor);
}

export async function findVendorBySlug(db: Database, slug: string): Promise<Vendor | undefined> {
  const row = await db.selectFrom('vendors').selectAll().where('slug', '=', slug).executeTakeFirst();
  return row === undefined ? undefined : toVendor(row);
}

export async function findVendorById(db: Database, vendorId: string): Promise<Vendor | undefined> {
  const row = await db.selectFrom('vendors').selectAll().where('vendor_id', '=', vendorId).executeTakeFirst();
  return row === undefined ? undefined : toVendor(row);
}

export async function insertVendorMember(db: Database, userId: string, vendorId: string, now: Date): Promise<void> {
  await db.insertInto('vendor_members').values({ user_id: userId, vendor_id: vendorId, created_at: toDbTime(now) }).execute();
}

/** The vendor a user belongs to, if any. */
export async function vendorOfUser(db: Database, userId: string): Promise<Vendor | undefined> {
  const row = await db
    .selectFrom('vendor_members')
    .innerJoin('vendors', 'vendors.vendor_id', 'vendor_members.vendor_id')
    .select(['vendors.vendor_id', 'vendors.slug', 'vendors.name', 'vendors.created_at', 'vendors.disabled_at'])
    .where('vendor_members.user_id', '=', userId)
    .executeTakeFirst();
  return row === undefined ? undefined : toVendor(row);
}

export async function listVendorMembers(db: Database, vendorId: string): Promise<{ user_id: string; username: string }[]> {
  return db
    .selectFrom('vendor_members')
    .innerJoin('users', 'users.user_id', 'vendor_members.user_id')
    .select(['users.user_id', 'users.username'])
    .where('vendor_members.vendor_id', '=', vendorId)
    .orderBy('users.username')
    .execute();
}

// ---------------------------------------------------------------- SSH keys

type KeyRow = {
  key_id: string;
  user_id: string;
  username: string;
  algorithm: string;
  public_key: string;
  fingerprint: string;
  comment: string;
  created_at: string | Date;
  created_by: string;
};

const toKey = (r: KeyRow): SshKey => ({ ...r, created_at: fromDbTime(r.created_at) });

const keyColumns = [
  'ssh_keys.key_id',
  'ssh_keys.user_id',
  'users.username',
  'ssh_keys.algorithm',
  'ssh_keys.public_key',
  'ssh_keys.fingerprint',
  'ssh_keys.comment',
  'ssh_keys.created_at',
  'ssh_keys.created_by',
] as const;

/** Throws a unique violation when the key is registered already (by anyone). */
export async function insertSshKey(db: Database, userId: string, key: ParsedPublicKey, createdBy: string, now: Date): Promise<string> {
  const keyId = randomUUID();
  await db
    .insertInto('ssh_keys')
    .values({ key_id: keyId, user_id: userId, ...key, created_at: toDbTime(now), created_by: createdBy })
    .execute();
  return keyId;
}

export const MAX_KEYS_PER_USER = 20;

export async function listSshKeys(db: Database, userId: string): Promise<SshKey[]> {
  const rows = await db
    .selectFrom('ssh_keys')
    .innerJoin('users', 'users.user_id', 'ssh_keys.user_id')
    .select(keyColumns)
    .where('ssh_keys.user_id', '=', userId)
    .orderBy('ssh_keys.created_at')
    .limit(MAX_KEYS_PER_USER * 2)
    .execute();
  return rows.map(toKey);
}

export async function findSshKeyByFingerprint(db: Database, fingerprint: string): Promise<SshKey | undefined> {
  const row = await db
    .selectFrom('ssh_keys')
    .innerJoin('users', 'users.user_id', 'ssh_keys.user_id')
    .select(keyColumns)
    .where('ssh_keys.fingerprint', '=', fingerprint)
    .executeTakeFirst();
  return row === undefined ? undefined : toKey(row);
}

export async function deleteSshKey(db: Database, userId: string, keyId: string): Promise<boolean> {
  const result = await db.deleteFrom('ssh_keys').where('user_id', '=', userId).where('key_id', '=', keyId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}
