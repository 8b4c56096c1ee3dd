// The bound on password hashes in flight for the dashboard's sign-in and password-change forms
// (server/auth/hash-gate.ts). One per process; the API's auth routes keep their own.
import { HashGate } from '../auth/hash-gate.js';

export const dashboardHashGate = new HashGate();
