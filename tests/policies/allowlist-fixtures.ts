// Allowlist entries for the allowlist, lint and bench tests.
import type { AllowlistEntry } from '../../policies/allowlist.js';

export const NOW = new Date('2025-06-01T00:00:00Z');

/** A valid egress entry for role server on tcp/443, approved 2025-01-01, expiring 2025-12-31. */
export function entry(id: string, match: AllowlistEntry['match'], extra: Partial<AllowlistEntry> = {}): AllowlistEntry {
  return {
    id,
    match,
    ports: [443],
    proto: 'tcp',
    direction: 'egress',
    roles: ['server'],
    purpose: 'vendor telemaintenance portal',
    owner: 'DSI - pole infra',
    approved_at: '2025-01-01T00:00:00Z',
    expires_at: '2025-12-31T00:00:00Z',
    ticket: 'CHG-1234',
    ...extra,
  };
}

export const QUERY = { port: 443, proto: 'tcp', direction: 'egress', role: 'server' } as const;
