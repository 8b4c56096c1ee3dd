// The roles of people and automation. What each may do is declared per route (config.roles) and
// enforced by one hook (./guard.ts).
import { Type, type Static } from 'typebox';
import { ROLES, type Role } from '../db/roles.js';

// The stored vocabulary lives with the repositories (db/ is the bottom floor); add a role there.
export { ROLES, type Role };
export const RoleSchema = Type.Enum(ROLES);

/**
 * Roles an API token may act with. Tokens skip MFA, so they never carry a role that manages
 * people (admin), approves or signs (rssi), or belongs to an outside party (vendor).
 */
export const API_TOKEN_ROLES = ['auditor', 'technician', 'log-shipper'] as const satisfies readonly Role[];
/** A log shipper (issue 18) may only push proxy logs into the inventory: a token role, never a person's. */
export const LOG_SHIPPER: readonly Role[] = ['log-shipper'];
export type ApiTokenRole = (typeof API_TOKEN_ROLES)[number];
export const ApiTokenRoleSchema = Type.Enum(API_TOKEN_ROLES);

/** Shorthands for route declarations. */
export const ALL_ROLES: readonly Role[] = ROLES;
/**
 * Everyone who may read the fleet's posture (vendors see only their own access windows). The
 * biomedical engineer owns the maintained devices and approves their telemaintenance: they read
 * the posture of the gateways (and the rest of the fleet) they approve access through.
 */
export const FLEET_READERS: readonly Role[] = ['admin', 'rssi', 'auditor', 'technician', 'biomedical'];

export type RoleList = Static<typeof RoleSchema>[];
