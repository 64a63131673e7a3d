#!/usr/bin/env node
// Clawback runs its TypeScript sources directly through tsx: no build step between a change and a run.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
