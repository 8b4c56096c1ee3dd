// The judge of the packs and site overlays in force, for the CLI (the server passes its own).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadShippedPacks, loadSiteOverlayDirectory, type Pack, type SiteOverlay } from '../../policies/pack.js';
import { inventoryJudge, type Judge } from './verdict.js';

export interface PolicyContext {
  packs: Map<string, Pack>;
  overlays: ReadonlyMap<string, SiteOverlay>;
}

/** The shipped packs and `<dataDir>/overlays/` (as the server loads them at start). */
export function policyContextOf(dataDir: string): PolicyContext {
  const dir = join(dataDir, 'overlays');
  return { packs: loadShippedPacks(), overlays: existsSync(dir) ? loadSiteOverlayDirectory(dir) : new Map() };
}

export function judgeOf(context: PolicyContext, now: Date): Judge {
  return inventoryJudge(context.packs, context.overlays, now);
}
