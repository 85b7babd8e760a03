#!/usr/bin/env node
// The `omaum` command. OMAUM runs its TypeScript sources through tsx, so there
// is no build step between a clone and a running system.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
