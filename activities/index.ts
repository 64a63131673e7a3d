import type { ProviderRegistry } from '../src/providers/registry.js';
import { createDirectoryActivities } from './directory.js';
import { createMailboxActivities } from './mailbox.js';
import { createNotifyActivities, type Notifier } from './notify.js';

export interface ActivityDeps {
  providers: ProviderRegistry;
  notifiers: Notifier[];
  /** Mailboxes one activity works on at once (default MAILBOX_CONCURRENCY). */
  mailboxConcurrency?: number;
}

/** Activities are built from injected dependencies so tests and the worker wire their own. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createDirectoryActivities(deps.providers),
    ...createMailboxActivities(deps.providers, deps.mailboxConcurrency),
    ...createNotifyActivities(deps.notifiers),
  };
}

export type Activities = ReturnType<typeof createActivities>;
