import { setTimeout as sleep } from 'node:timers/promises';
import { BatchRequestContent } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { ProviderError } from '../errors.js';
import { statusError } from './errors.js';
import { MAILBOX_CONCURRENCY, type Call, type GraphSession } from './session.js';
import { retryAfterMs } from './retry-after.js';

/** Graph's limit of requests per `$batch`. */
export const BATCH_SIZE = 20;
/** Rounds a throttled step is resent in before the whole call fails as Throttled (Temporal then retries it). */
const MAX_ROUNDS = 8;
/** When a throttled step carries no Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 1000;

export interface BatchStep {
  id: string;
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: unknown;
}

const StepResponse = z.object({
  id: z.string(),
  status: z.number().int(),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional(),
});
const BatchAnswer = z.object({ responses: z.array(StepResponse) });
type StepResponse = z.infer<typeof StepResponse>;

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string().optional() }) });

export interface StepResult {
  status: number;
  /** Graph's error code when the step failed (`ErrorItemNotFound`). */
  code?: string;
  message?: string;
  body: unknown;
}

function isRetried(status: number): boolean {
  return status === 429 || status === 503 || status === 504;
}

function resultOf(response: StepResponse): StepResult {
  const error = ErrorBody.safeParse(response.body);
  return { status: response.status, body: response.body, ...(error.success ? { code: error.data.error.code, message: error.data.error.message } : {}) };
}

/**
 * One `$batch` request. Throttled as a whole, nothing in it ran: every step is answered with
 * that 429 and takes its turn like a step throttled inside the batch.
 */
async function send(session: GraphSession, call: Call, body: unknown, size: number, ids: string[]): Promise<Map<string, StepResponse>> {
  try {
    const answer = BatchAnswer.parse(await session.call(call, (client) => client.api('/$batch').post(body), Math.min(size, MAILBOX_CONCURRENCY)));
    return new Map(answer.responses.map((response) => [response.id, response]));
  } catch (error) {
    if (!(error instanceof ProviderError) || error.type !== 'Throttled') throw error;
    const headers: Record<string, string> = error.retryAfterMs === undefined ? {} : { 'Retry-After': String(Math.ceil(error.retryAfterMs / 1000)) };
    const throttled: Omit<StepResponse, 'id'> = { status: 429, headers, body: { error: { code: 'ApplicationThrottled', message: error.message } } };
    return new Map(ids.map((id) => [id, { id, ...throttled }]));
  }
}

/**
 * Runs steps for one mailbox through `$batch`, 20 per batch, one batch at a time (Outlook runs
 * 4 of a batch at once, the mailbox's whole concurrency). A step throttled inside a batch is
 * resent on its own schedule, after its own Retry-After, while the others keep their answers;
 * a step still throttled after several rounds fails the call as Throttled. A whole batch
 * throttled counts as a round for each of its steps.
 */
export async function runBatch(session: GraphSession, call: Call & Required<Pick<Call, 'mailbox'>>, steps: BatchStep[]): Promise<Map<string, StepResult>> {
  const results = new Map<string, StepResult>();
  for (let i = 0; i < steps.length; i += BATCH_SIZE) {
    let waiting = steps.slice(i, i + BATCH_SIZE).map((step) => ({ step, readyAt: 0, rounds: 0, last: undefined as StepResponse | undefined }));
    while (waiting.length > 0) {
      const readyAt = Math.min(...waiting.map((w) => w.readyAt));
      const delay = readyAt - Date.now();
      if (delay > 0) await sleep(delay);
      const now = Date.now();
      const ready = waiting.filter((w) => w.readyAt <= now);
      // A timer may wake a millisecond before the wall clock reaches readyAt: wait again.
      if (ready.length === 0) continue;
      const exhausted = ready.find((w) => w.rounds >= MAX_ROUNDS);
      if (exhausted?.last) {
        const error = ErrorBody.safeParse(exhausted.last.body);
        const context = { tenantId: session.tenantId, clientId: session.clientId, operation: call.operation, permission: call.permission, mailbox: call.mailbox.address };
        throw statusError(exhausted.last.status, error.data?.error.code, error.data?.error.message, new Headers(exhausted.last.headers), context);
      }
      const content = new BatchRequestContent(ready.map(({ step }) => ({ id: step.id, request: session.batchRequest(step.path, step) })));
      const body = await content.getContent();
      const byId = await send(session, call, body, ready.length, ready.map(({ step }) => step.id));
      for (const entry of ready) {
        const response = byId.get(entry.step.id);
        if (!response) throw new Error(`$batch answered without step ${entry.step.id}`);
        if (isRetried(response.status)) {
          entry.rounds++;
          entry.last = response;
          entry.readyAt = Date.now() + (retryAfterMs(new Headers(response.headers)) ?? DEFAULT_RETRY_AFTER_MS);
        } else {
          results.set(entry.step.id, resultOf(response));
        }
      }
      waiting = waiting.filter((w) => !results.has(w.step.id));
    }
  }
  return results;
}
