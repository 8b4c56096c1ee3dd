// Listing waivers (dérogations) with what a reader needs beside the stored waiver: the scope as
// the CLI writes it, its state now and whether it applies. One reading for the API, the CLI and
// the pages.
import { waiverActive, type Waiver } from '../../policies/waiver.js';
import { formatScope, listWaivers } from '../db/waivers.js';
import type { Database } from '../db/schema.js';

/**
 * Active: applies now. Pending: starts later. Expired: its last day is past. Revoked: someone
 * ended it before its last day (revoked_at, revoked_by), whatever its expiry says.
 */
export const WAIVER_STATES = ['active', 'pending', 'expired', 'revoked'] as const;
export type WaiverState = (typeof WAIVER_STATES)[number];

export function waiverState(waiver: Waiver, now: Date): WaiverState {
  if (waiver.revoked_at !== undefined && Date.parse(waiver.revoked_at) <= now.getTime()) return 'revoked';
  if (waiverActive(waiver, now)) return 'active';
  return Date.parse(waiver.expires_at) < now.getTime() ? 'expired' : 'pending';
}

export interface ListedWaiver extends Waiver {
  /** "host:ID", "site:SITE" or "role:ROLE". */
  scope_text: string;
  active: boolean;
  state: WaiverState;
}

export function describeWaiver(waiver: Waiver, now: Date): ListedWaiver {
  return { ...waiver, scope_text: formatScope(waiver.scope), active: waiverActive(waiver, now), state: waiverState(waiver, now) };
}

/** Every waiver, active or not, latest expiry first. */
export async function listWaiversAt(db: Database, now: Date): Promise<ListedWaiver[]> {
  return (await listWaivers(db)).map((waiver) => describeWaiver(waiver, now));
}
