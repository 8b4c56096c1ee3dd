#!/usr/bin/env node
// Launcher: runs the TypeScript admin CLI through tsx, so `npx vigie ...` works from a checkout.
import { register } from 'tsx/esm/api';
register();
await import('../server/main.ts');
