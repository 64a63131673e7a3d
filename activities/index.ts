import type { ProviderRegistry } from '../src/providers/registry.js';
import { createAbuseActivities } from './abuse.js';
import type { AbuseDeps } from './abuse-deps.js';
import { createCleanupActivities } from './cleanup.js';
import type { IntakeDeps } from './intake.js';
import { createTapActivities } from './tap-poller.js';
import { createDirectoryActivities } from './directory.js';
import { createMailboxActivities } from './mailbox.js';
import { createNotifyActivities, type Notifier } from './notify.js';
import type { ChannelRegistry } from '../src/notify/channels.js';

export interface ActivityDeps {
  providers: ProviderRegistry;
  notifiers: Notifier[];
  /** Configured email and webhook channels; absent = the event log only. */
  channels?: ChannelRegistry;
  /** Base URL of the Temporal UI, for the link in notifications. */
  temporalUiUrl?: string;
  /** Mailboxes one activity works on at once (default MAILBOX_CONCURRENCY). */
  mailboxConcurrency?: number;
  /** CSV imports and TAP polls: the spool, the poll settings, the incident client; absent = refused. */
  intake?: IntakeDeps;
  /** Abuse mailboxes: their config, indicator lists and reply templates; absent = refused. */
  abuse?: AbuseDeps;
}

/** Activities are built from injected dependencies so tests and the worker wire their own. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createDirectoryActivities(deps.providers),
    ...createMailboxActivities(deps.providers, deps.mailboxConcurrency),
    ...createNotifyActivities(deps.notifiers, deps.channels, deps.temporalUiUrl),
    ...createCleanupActivities(deps.intake, deps.providers),
    ...createTapActivities(deps.intake),
    ...createAbuseActivities(deps.abuse),
  };
}

export type Activities = ReturnType<typeof createActivities>;
