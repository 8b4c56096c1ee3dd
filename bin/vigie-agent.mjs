#!/usr/bin/env node
// Launcher: runs the TypeScript agent through tsx, so `npx vigie-agent ...` works from a checkout.
import { register } from 'tsx/esm/api';
register();
await import('../agent/main.ts');
