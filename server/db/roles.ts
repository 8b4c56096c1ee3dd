// The roles of people and automation as stored (users.role, api_tokens.scope): the vocabulary the
// repositories read and write. What each role may do is declared per route (../auth/roles.ts
// adds the shorthands; ../auth/guard.ts enforces them).
export const ROLES = ['admin', 'rssi', 'auditor', 'technician', 'vendor', 'biomedical', 'log-shipper'] as const;
export type Role = (typeof ROLES)[number];
