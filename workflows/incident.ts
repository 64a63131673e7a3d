import {
  ActivityFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { IncidentEventType } from '../src/domain/events.js';
import type { IncidentInput, IncidentOutcome } from '../src/domain/incident.js';
import type { GroupExpansion, GroupRef, MessageCopy } from '../src/domain/mail.js';
import { PERMANENT_PROVIDER_ERRORS } from '../src/providers/errors.js';
import { incidentDetails } from './details.js';
import { packIncident, unpackIncident, type OpenWindow } from './incident-carry.js';
import { chunk, Incident, type MailboxToSearch, type Target } from './incident-state.js';
import { alertSignal, alertUpdate, approveUpdate, repullUpdate, resendNotificationUpdate, searchAttributes, stateQuery, undoUpdate } from './messages.js';
import { eventBase, NotificationDispatch } from './notifications.js';

const SWEEP_BATCH_SIZE = 500;
/** List members per page for incidents whose options predate `listPageSize`. */
const DEFAULT_LIST_PAGE = 4000;
/** Activities of one kind in flight at once for one incident. */
const BATCH_WINDOW = 4;

const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  maximumAttempts: 8,
  nonRetryableErrorTypes: [...PERMANENT_PROVIDER_ERRORS],
};

const directory = proxyActivities<Activities>({ startToCloseTimeout: '2m', retry });

/** Long batches heartbeat per mailbox; a lost worker is noticed after one heartbeat timeout. */
const mailbox = proxyActivities<Activities>({ startToCloseTimeout: '30m', heartbeatTimeout: '20s', retry });

/** Incidents started before channels existed: one log-only activity per event, awaited. */
const notifier = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', maximumAttempts: 5 },
});

/**
 * The incident's notifications. Workflow module state belongs to one execution (each runs in
 * its own context), so this is the running incident's, set before anything announces.
 */
let notifications: NotificationDispatch;

/**
 * One incident: everything Clawback does about one malicious message, from the first alert to
 * containment, held open for merged alerts and undo until `holdOpenMs` has passed.
 */
export async function incidentWorkflow(input: IncidentInput, carried?: Uint8Array): Promise<IncidentOutcome> {
  const resumed = carried ? unpackIncident(carried) : undefined;
  const incident = new Incident(input, resumed?.incident);
  notifications = new NotificationDispatch(incident, () => publish(incident));
  if (resumed) notifications.recall(resumed.notifications);
  setHandler(stateQuery, (view) => incident.view(view));
  setHandler(alertSignal, (received) => void incident.receiveAlert(received));
  setHandler(alertUpdate, (received) => incident.receiveAlert(received));
  setHandler(
    approveUpdate,
    (action) => {
      incident.approve(action);
      return incident.view();
    },
    { validator: (action) => incident.validateApprove(action) },
  );
  setHandler(
    undoUpdate,
    async (action) => {
      const ticket = incident.requestUndo(action);
      await condition(() => incident.undosCompleted >= ticket);
      return incident.view();
    },
    { validator: (action) => incident.validateUndo(action) },
  );
  setHandler(
    repullUpdate,
    (action) => {
      incident.requestRepull(action);
      return incident.view();
    },
    { validator: (action) => incident.validateRepull(action) },
  );
  setHandler(
    resendNotificationUpdate,
    (action) => {
      notifications.resend(action);
      return incident.view();
    },
    { validator: (action) => incident.validateResend(action) },
  );

  if (resumed) {
    publish(incident);
    await stayOpen(incident, input, resumed.window);
    return finish(incident);
  }

  await announce(incident, 'incident.started');

  if (input.policy === 'record') {
    await findEverything(incident);
    return record(incident);
  }

  // Search first whenever the decision depends on the blast radius: an approver sees it before anything moves.
  if (input.policy === 'approval' || incident.hasApprovalThresholds) {
    await findEverything(incident);
    const escalation = input.policy === 'approval' ? undefined : incident.escalationReason();
    if (escalation) incident.escalate(escalation);
    if ((input.policy === 'approval' || escalation) && !(await approval(incident))) return record(incident);
  }

  await pullEverything(incident);

  await stayOpen(incident, input);
  return finish(incident);
}

/**
 * After the pull, the incident stays open for `holdOpenMs`: merged alerts are pulled, an undo
 * ends it, and while the late-copy watch lasts the mailboxes in scope are swept on a timer. When
 * its history grows long, the incident continues as a new run with its state and deadlines.
 */
async function stayOpen(incident: Incident, input: IncidentInput, carried?: OpenWindow): Promise<void> {
  const start = Date.now();
  // Histories recorded before sweeps existed replay without them.
  const sweeps = patched('late-copy-sweeps') ? incident.options.lateCopies : { watchMs: 0, sweepEveryMs: 0 };
  const window: OpenWindow = carried ?? {
    openUntil: start + incident.options.holdOpenMs,
    watchUntil: start + sweeps.watchMs,
    nextSweep: start + sweeps.sweepEveryMs,
    sweepEveryMs: sweeps.sweepEveryMs,
  };
  const watching = sweeps.watchMs > 0;
  // Histories recorded before incidents could continue as new replay in one run.
  const continuing = patched('continue-as-new');
  const mayContinue = () => continuing && mayContinueAsNew(incident);
  for (;;) {
    const now = Date.now();
    if (now >= window.openUntil) return;
    if (mayContinue()) await continueAsNewWith(incident, input, window);
    const sweepDue = watching && window.nextSweep <= window.watchUntil;
    const wait = sweepDue ? Math.max(0, Math.min(window.openUntil, window.nextSweep) - now) : window.openUntil - now;
    const woken = await condition(() => incident.hasPendingTargets() || !!incident.undoRequest || mayContinue(), wait);
    if (incident.undoRequest) {
      await undo(incident);
      // Histories recorded before re-pulls existed ended with the undo.
      if (incident.state.status === 'undone' && !patched('open-after-undo')) return;
      continue;
    }
    if (woken && incident.hasPendingTargets()) {
      await pullEverything(incident);
    } else if (!woken && sweepDue && Date.now() >= window.nextSweep) {
      await sweepForLateCopies(incident);
      window.nextSweep = Date.now() + window.sweepEveryMs;
    }
  }
}

/** The carried state stays well under Temporal's 2 MB payload limit, or the incident keeps its run. */
const MAX_CARRIED_BYTES = 1_500_000;
/**
 * Beyond this many copies, audit entries and searched pairs the state would not fit anyway
 * (~10,000 of them deflate to a megabyte), and packing it would hold the workflow task too long.
 */
const MAX_CARRIED_ITEMS = 12_000;
let carryTooLarge = false;

/** History long enough (Temporal's suggestion, or the configured event count) and nothing half done. */
function mayContinueAsNew(incident: Incident): boolean {
  const info = workflowInfo();
  const limit = incident.options.continueAsNewAfterEvents;
  const long = info.continueAsNewSuggested || (limit !== undefined && info.historyLength >= limit);
  return long && !carryTooLarge && incident.carriedItems <= MAX_CARRIED_ITEMS && incident.settledForNewRun && notifications.idle && allHandlersFinished();
}

async function continueAsNewWith(incident: Incident, input: IncidentInput, window: OpenWindow): Promise<void> {
  const packed = packIncident({ incident: incident.memory(), notifications: notifications.memory(), window });
  if (packed.byteLength > MAX_CARRIED_BYTES) {
    // Temporal allows far longer histories than it suggests: the incident goes on in this run.
    carryTooLarge = true;
    log.warn('incident state too large to carry into a new run; history keeps growing', { incidentId: incident.state.incidentId, bytes: packed.byteLength });
    return;
  }
  await continueAsNew<typeof incidentWorkflow>(input, packed);
}

/** Holds the incident until an admin approves it, or the approval window closes (false). */
async function approval(incident: Incident): Promise<boolean> {
  incident.setStatus('awaiting-approval');
  await announce(incident, 'incident.approval_required');
  const timeout = incident.options.approvalTimeoutMs;
  const decided = () => incident.approved;
  return timeout > 0 ? await condition(decided, timeout) : (await condition(decided), true);
}

/** Ends a dry run, or an approval that never came: what was found is reported, nothing moved. */
async function record(incident: Incident): Promise<IncidentOutcome> {
  incident.markRecorded();
  incident.setStatus('recorded');
  await announce(incident, 'incident.recorded');
  return finish(incident);
}

async function finish(incident: Incident): Promise<IncidentOutcome> {
  // A resend accepted at the last moment still runs to its end.
  await condition(() => notifications.idle && allHandlersFinished());
  return incident.outcome;
}

/** Resolve → expand → search → follow forwards, for every queued target, recursively. */
async function findEverything(incident: Incident): Promise<void> {
  for (let target = incident.nextTarget(); target; target = incident.nextTarget()) {
    await findTarget(incident, target);
  }
}

/** `lateCopies`: the pull follows a late-copy sweep that found that many copies. */
async function pullEverything(incident: Incident, lateCopies?: number): Promise<void> {
  incident.setStatus('pulling');
  publish(incident);
  for (let target = incident.nextTarget(); target; target = incident.nextTarget()) {
    await findTarget(incident, target, { pullAsFound: true });
    await quarantine(incident, incident.claimCopiesToPull());
  }
  // Copies found before an approval are pulled now.
  await quarantine(incident, incident.claimCopiesToPull());
  const status = incident.settle();
  await announce(incident, status === 'contained' ? 'incident.contained' : status === 'failed' ? 'incident.failed' : 'incident.partially_contained', lateCopies);
}

async function findTarget(incident: Incident, target: Target, { pullAsFound = false } = {}): Promise<void> {
  const { incidentId } = incident.state;
  const addresses = target.recipients.map((r) => r.address);
  const resolutions = await directory.resolveRecipients.executeWithOptions(
    { summary: `resolve ${addresses.length} recipient(s) of ${target.messageId}` },
    [{ incidentId, addresses }],
  );
  const { mailboxes, groups } = incident.acceptResolutions(target, resolutions);

  let listed: MailboxToSearch[] = [];
  if (groups.length > 0) {
    const expansions = await expandLists(incident, groups.map((g) => g.group));
    const provenanceOf = new Map(groups.map((g) => [g.group.address, g.provenance]));
    listed = incident.acceptExpansions(target, expansions, provenanceOf);
  }

  const toSearch = incident.claimUnsearched(target, [...mailboxes, ...listed]);
  await windowed(chunk(toSearch, incident.options.mailboxBatchSize), async (batch, parallel) => {
    await searchBatch(incident, target, batch, 'search');
    // Pulling each batch's copies at once shortens exposure on a large campaign.
    if (pullAsFound && parallel) await quarantine(incident, incident.claimCopiesToPull());
  });
}

/**
 * The lists' members, page after page, each page after the last member key of the one before
 * (incidents recorded before paging got them in one answer).
 */
async function expandLists(incident: Incident, groups: GroupRef[]): Promise<GroupExpansion[]> {
  const { incidentId } = incident.state;
  if (!patched('paged-list-expansion')) {
    return directory.expandLists.executeWithOptions({ summary: `expand ${groups.length} list(s)` }, [{ incidentId, groups }]);
  }
  const limit = incident.options.listPageSize ?? DEFAULT_LIST_PAGE;
  const expansions: GroupExpansion[] = [];
  let after: string | undefined;
  do {
    const summary = after === undefined ? `expand ${groups.length} list(s)` : `list members after ${after}`;
    const page = await directory.expandListsPage.executeWithOptions({ summary }, [{ incidentId, groups, after, limit }]);
    expansions.push(...page.expansions);
    after = page.next;
  } while (after !== undefined);
  return expansions;
}

/**
 * Runs batches `BATCH_WINDOW` at a time (a sliding window, so the history grows with the work,
 * not with waiting). Incidents started before parallel batches existed replay one at a time.
 */
async function windowed<T>(items: T[], run: (item: T, parallel: boolean) => Promise<void>): Promise<void> {
  const parallel = patched('parallel-batches');
  const width = parallel ? BATCH_WINDOW : 1;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await run(items[next++]!, parallel);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

/** Searches one batch of mailboxes for the target's message and follows forwards from what it finds. Returns the new copies. */
async function searchBatch(incident: Incident, target: Target, batch: MailboxToSearch[], purpose: 'search' | 'sweep'): Promise<number> {
  const { incidentId } = incident.state;
  let added = 0;
  try {
    const { copies, failures } = await mailbox.searchMailboxes.executeWithOptions(
      {
        startToCloseTimeout: '30m',
        heartbeatTimeout: '20s',
        retry,
        summary: `${purpose === 'sweep' ? 'sweep for late copies:' : 'search'} ${batch.length} mailbox(es) for ${target.messageId}`,
      },
      [{ incidentId, mailboxes: batch.map((b) => b.mailbox), query: { messageId: target.messageId } }],
    );
    const fresh = incident.acceptSearch(batch, copies, failures);
    incident.noteSearched(batch.length);
    added = fresh.length;
    await followForwards(incident, target, incident.copiesToFollow(target, fresh));
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    incident.failSearch(batch, failureDetail(error));
    incident.noteSearched(batch.length);
  }
  publish(incident);
  return added;
}

/** Mailboxes in scope searched again; copies delivered since the pull (and their forwards) are pulled. */
async function sweepForLateCopies(incident: Incident): Promise<void> {
  let found = 0;
  // Bigger batches than the first search: a sweep repeats for hours and its history must stay small.
  const size = Math.max(incident.options.mailboxBatchSize, SWEEP_BATCH_SIZE);
  for (const { target, batch } of incident.sweepBatches(size)) found += await searchBatch(incident, target, batch, 'sweep');
  if (found === 0 && !incident.hasPendingTargets()) return;
  incident.noteLateCopies(found);
  await pullEverything(incident, found > 0 ? found : undefined);
}

async function followForwards(incident: Incident, target: Target, copies: MessageCopy[]): Promise<void> {
  if (copies.length === 0) return;
  const { incidentId } = incident.state;
  try {
    const { forwards, failures } = await mailbox.followForwards.executeWithOptions(
      { summary: `look for forwards from ${copies.length} mailbox copy(ies)` },
      [{ incidentId, copies }],
    );
    incident.acceptForwards(target, forwards, failures);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    incident.acceptForwards(target, [], copies.map((c) => ({ mailbox: c.mailbox, detail: failureDetail(error) })));
  }
}

async function quarantine(incident: Incident, copies: MessageCopy[]): Promise<void> {
  const { incidentId } = incident.state;
  const action = incident.options.quarantineAction;
  await windowed(chunk(copies, incident.options.mailboxBatchSize), async (batch) => {
    try {
      const outcomes = await mailbox.quarantineCopies.executeWithOptions(
        { summary: `${action}: ${batch.length} copy(ies)` },
        [{ incidentId, copies: batch, action }],
      );
      incident.acceptPulls(outcomes, action);
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      incident.failPulls(batch, action, failureDetail(error));
    }
    publish(incident);
  });
}

/** Compensation: every pulled copy back where it was. Runs to the end even if the workflow is cancelled. */
async function undo(incident: Incident): Promise<void> {
  incident.setStatus('undoing');
  publish(incident);
  await CancellationScope.nonCancellable(async () => {
    const { incidentId } = incident.state;
    for (const batch of chunk(incident.recordsToRestore(), incident.options.mailboxBatchSize)) {
      try {
        const outcomes = await mailbox.restoreCopies.executeWithOptions(
          { summary: `restore ${batch.length} copy(ies) to their original folders` },
          [{ incidentId, records: batch }],
        );
        incident.acceptRestores(outcomes);
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        incident.failRestores(batch, failureDetail(error));
      }
    }
    incident.finishUndo();
    await announce(incident, 'incident.undone');
  });
}

/**
 * Reports a milestone and returns at once: channels are sent to in the background. After a
 * late-copy sweep the event is `incident.late_copy_pulled`, carrying the settled status.
 */
async function announce(incident: Incident, type: IncidentEventType, lateCopies?: number): Promise<void> {
  publish(incident);
  // Histories recorded before channels existed awaited one log-only activity per event.
  if (patched('notification-channels')) {
    notifications.announce(lateCopies === undefined ? type : 'incident.late_copy_pulled', lateCopies);
    return;
  }
  try {
    await notifier.notify.executeWithOptions({ summary: type }, [
      { version: 1, ...eventBase(incident.state, type), residualExposure: incident.state.residualExposure },
    ]);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
  }
}

/** Search attributes and the UI's current details follow the state. */
function publish(incident: Incident): void {
  const { state } = incident;
  upsertSearchAttributes([
    { key: searchAttributes.status, value: state.status },
    { key: searchAttributes.copiesFound, value: state.counts.copiesFound },
    { key: searchAttributes.copiesPulled, value: state.counts.copiesPulled },
  ]);
  setCurrentDetails(incidentDetails(state, incident.searchProgress(), incident.links));
}

function failureDetail(error: ActivityFailure): string {
  return error.cause?.message ?? error.message;
}
