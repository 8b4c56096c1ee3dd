// Listing waivers (dérogations) with what a reader needs beside the stored waiver: the scope as
// the CLI writes it and whether it applies now. One reading for the API, the CLI and the pages.
import { waiverActive, type Waiver } from '../../policies/waiver.js';
import { formatScope, listWaivers } from '../db/waivers.js';
import type { Database } from '../db/schema.js';

/** Active: applies now. Expired: its last day is past (or it was revoked). Pending: starts later. */
export type WaiverState = 'active' | 'expired' | 'pending';

export function waiverState(waiver: Waiver, now: Date): WaiverState {
  if (waiverActive(waiver, now)) return 'active';
  return Date.parse(waiver.expires_at) < now.getTime() ? 'expired' : 'pending';
}

export interface ListedWaiver extends Waiver {
  /** "host:ID", "site:SITE" or "role:ROLE". */
  scope_text: string;
  active: boolean;
}

export function describeWaiver(waiver: Waiver, now: Date): ListedWaiver {
  return { ...waiver, scope_text: formatScope(waiver.scope), active: waiverActive(waiver, now) };
}

/** Every waiver, active or not, latest expiry first. */
export async function listWaiversAt(db: Database, now: Date): Promise<ListedWaiver[]> {
  return (await listWaivers(db)).map((waiver) => describeWaiver(waiver, now));
}
