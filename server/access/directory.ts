// Managing the access directory: vendors and their members, their SSH public keys, and targets.
// Each change and its audit entry commit together (CLI and routes share these functions).
import { isIP } from 'node:net';
import { appendAuditEvent, type AuditActor } from '../auditlog/auditlog.js';
import { isUniqueViolation } from '../db/columns.js';
import { findHost } from '../db/hosts.js';
import type { Database } from '../db/schema.js';
import { findUserByUsername } from '../db/users.js';
import { ApiError } from '../errors.js';
import type { SecretsKey } from '../secrets/secrets-key.js';
import { deviceCredentialProblem, sealDeviceCredential } from './device-credential.js';
import { TARGET_NAME_PATTERN, VENDOR_SLUG_PATTERN, type SshKey, type Target, type Vendor } from './model.js';
import { parsePublicKey, PublicKeyError } from './ssh-public-key.js';
import { findTarget, insertTarget, newTargetId, type NewTarget } from './targets-store.js';
import {
  deleteSshKey,
  findVendorBySlug,
  insertSshKey,
  insertVendor,
  insertVendorMember,
  listSshKeys,
  MAX_KEYS_PER_USER,
  vendorOfUser,
} from './vendors-store.js';

export async function createVendor(db: Database, input: { slug: string; name: string }, actor: AuditActor, now: Date): Promise<Vendor> {
  if (!new RegExp(VENDOR_SLUG_PATTERN).test(input.slug)) throw new ApiError(400, 'invalid_slug', 'A vendor handle has 2 to 63 lower-case letters, digits or "-".');
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) throw new ApiError(400, 'invalid_name', 'A vendor name has 1 to 200 characters.');
  try {
    return await db.transaction().execute(async (trx) => {
      const vendor = await insertVendor(trx, { slug: input.slug, name, now });
      await appendAuditEvent(trx, { actor, action: 'vendor.created', target: `vendor:${vendor.slug}`, details: { name, vendor_id: vendor.vendor_id }, at: now });
      return vendor;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ApiError(409, 'vendor_exists', `A vendor ${input.slug} exists already.`);
    throw error;
  }
}

/** Attach an existing user of role `vendor` to a vendor (one vendor per user). */
export async function addVendorMember(db: Database, vendorSlug: string, username: string, actor: AuditActor, now: Date): Promise<void> {
  const vendor = await findVendorBySlug(db, vendorSlug);
  if (vendor === undefined) throw new ApiError(404, 'unknown_vendor', `No vendor ${vendorSlug.slice(0, 64)}.`);
  const user = await findUserByUsername(db, username);
  if (user === undefined) throw new ApiError(404, 'unknown_user', `No user ${username.slice(0, 64)}.`);
  if (user.role !== 'vendor') throw new ApiError(409, 'not_a_vendor_user', `${username} has role ${user.role}; only users of role vendor belong to a vendor.`);
  if ((await vendorOfUser(db, user.user_id)) !== undefined) throw new ApiError(409, 'already_member', `${username} belongs to a vendor already.`);
  await db.transaction().execute(async (trx) => {
    await insertVendorMember(trx, user.user_id, vendor.vendor_id, now);
    await appendAuditEvent(trx, { actor, action: 'vendor.member_added', target: `vendor:${vendor.slug}`, details: { username }, at: now });
  });
}

// ---------------------------------------------------------------- SSH keys

export async function addSshKey(db: Database, owner: { user_id: string; username: string }, line: string, actor: AuditActor, now: Date): Promise<SshKey> {
  let parsed;
  try {
    parsed = parsePublicKey(line);
  } catch (error) {
    if (error instanceof PublicKeyError) throw new ApiError(400, 'invalid_public_key', error.message);
    throw error;
  }
  if ((await listSshKeys(db, owner.user_id)).length >= MAX_KEYS_PER_USER) throw new ApiError(409, 'too_many_keys', `At most ${MAX_KEYS_PER_USER} keys per person; remove one first.`);
  try {
    await db.transaction().execute(async (trx) => {
      await insertSshKey(trx, owner.user_id, parsed, actor.id, now);
      await appendAuditEvent(trx, {
        actor,
        action: 'ssh_key.added',
        target: `user:${owner.username}`,
        details: { fingerprint: parsed.fingerprint, algorithm: parsed.algorithm, comment: parsed.comment },
        at: now,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ApiError(409, 'key_registered', 'This key is registered already.');
    throw error;
  }
  return (await listSshKeys(db, owner.user_id)).find((k) => k.fingerprint === parsed.fingerprint)!;
}

/** Remove a key by id or fingerprint; 404 when the owner has no such key. */
export async function removeSshKey(db: Database, owner: { user_id: string; username: string }, keyRef: string, actor: AuditActor, now: Date): Promise<void> {
  const key = (await listSshKeys(db, owner.user_id)).find((k) => k.key_id === keyRef || k.fingerprint === keyRef);
  if (key === undefined) throw new ApiError(404, 'unknown_key', 'No such key.');
  await db.transaction().execute(async (trx) => {
    await deleteSshKey(trx, owner.user_id, key.key_id);
    await appendAuditEvent(trx, { actor, action: 'ssh_key.removed', target: `user:${owner.username}`, details: { fingerprint: key.fingerprint, comment: key.comment }, at: now });
  });
}

// ---------------------------------------------------------------- targets

export type TargetInput = Omit<NewTarget, 'vendor_ids' | 'target_id'> & { vendors: readonly string[]; device_credential: string };

const HOST_KEY_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
/** A DNS name (labels of letters, digits and inner hyphens); anything else must be an IP address. */
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export async function createTarget(db: Database, key: SecretsKey, input: TargetInput, actor: AuditActor, now: Date): Promise<Target> {
  if (!new RegExp(TARGET_NAME_PATTERN).test(input.name)) throw new ApiError(400, 'invalid_name', 'A target name has 2 to 63 lower-case letters, digits or "-".');
  // The bastion connects there and pages show it: markup or control characters have no place in it.
  if (isIP(input.ssh_host) === 0 && !DNS_NAME.test(input.ssh_host)) {
    throw new ApiError(400, 'invalid_ssh_host', 'The device address is a DNS name or an IP address (without brackets or port).');
  }
  if (!HOST_KEY_FINGERPRINT.test(input.host_key_fingerprint)) {
    throw new ApiError(400, 'invalid_host_key_fingerprint', 'The pinned host key is its SHA-256 fingerprint as ssh-keygen -lf prints it (SHA256:...).');
  }
  const problem = deviceCredentialProblem(input.credential_kind, input.device_credential);
  if (problem !== null) throw new ApiError(400, 'invalid_device_credential', problem);
  const gateway = await findHost(db, input.gateway_host_id);
  if (gateway === undefined) throw new ApiError(404, 'unknown_gateway', 'No enrolled host with that id.');
  if (gateway.role !== 'telemaintenance-gateway') throw new ApiError(409, 'not_a_gateway', `Host ${gateway.hostname} has role ${gateway.role}, not telemaintenance-gateway.`);
  if (gateway.site !== input.site) throw new ApiError(409, 'site_mismatch', `Gateway ${gateway.hostname} is at site ${gateway.site}, not ${input.site}.`);
  const vendorIds: string[] = [];
  for (const slug of input.vendors) {
    const vendor = await findVendorBySlug(db, slug);
    if (vendor === undefined) throw new ApiError(404, 'unknown_vendor', `No vendor ${slug.slice(0, 64)}.`);
    vendorIds.push(vendor.vendor_id);
  }
  const targetId = newTargetId();
  const sealed = sealDeviceCredential(key, targetId, input.device_credential);
  const { vendors: _vendors, device_credential: _credential, ...fields } = input;
  try {
    await db.transaction().execute(async (trx) => {
      await insertTarget(trx, targetId, { ...fields, vendor_ids: [...new Set(vendorIds)] }, sealed, now);
      await appendAuditEvent(trx, {
        actor,
        action: 'access_target.created',
        target: `access_target:${input.name}`,
        details: {
          target_id: targetId,
          site: input.site,
          device_class: input.device_class,
          gateway_host_id: input.gateway_host_id,
          ssh: `${input.ssh_host}:${input.ssh_port}`,
          host_key_fingerprint: input.host_key_fingerprint,
          device_user: input.device_user,
          device_auth: input.credential_kind,
          vendors: [...input.vendors],
          quorum: input.quorum,
          max_window_minutes: input.max_window_minutes,
          channels: input.channels,
          record_input: input.record_input,
        },
        at: now,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ApiError(409, 'target_exists', `A target named ${input.name} exists already.`);
    throw error;
  }
  return (await findTarget(db, { target_id: targetId }))!;
}
