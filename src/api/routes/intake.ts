import { z } from 'zod';
import type { Context } from 'hono';
import pLimit from 'p-limit';
import type { Alert } from '../../domain/alert.js';
import { Policy } from '../../domain/incident.js';
import type { IncidentClient } from '../../incidents/client.js';
import { incidentLog, log } from '../../log.js';
import type { Candidate, ParsedBody } from '../../sources/candidate.js';
import type { RegisteredSource } from '../../sources/registry.js';
import type { Decision } from '../../sources/rules.js';
import { ErrorBody, errorBody, errorResponses } from '../errors.js';
import type { RateLimiter } from '../rate-limit.js';

export const AlertAccepted = z.object({
  incidentId: z.string(),
  workflowId: z.string(),
  status: z.enum(['started', 'merged']).describe('merged: the message already has a running incident'),
  policy: Policy.describe("what the source's rules decided (a tenant's stricter policy still applies)"),
  rule: z.string().optional().describe('the rule that matched; absent when none did and the alert is only recorded'),
  ignoredFields: z.array(z.string()).optional().describe('fields of the body this format does not know: not used'),
});
export type AlertAccepted = z.infer<typeof AlertAccepted>;

const AlertRefused = z.object({ status: z.literal('rejected'), issues: z.array(z.object({ path: z.string(), message: z.string() })) });
const AlertFailed = z.object({ status: z.literal('failed'), message: z.string() });

export const BatchAnswer = z.object({
  results: z.array(z.intersection(z.object({ index: z.number().int() }), z.union([AlertAccepted, AlertRefused, AlertFailed]))),
});

/** Answers every intake route may give besides 202. */
export const intakeResponses = {
  207: { description: 'a batch where some alerts were accepted: one result per alert', content: { 'application/json': { schema: BatchAnswer } } },
  429: { description: 'the source is over its rate limit; Retry-After says when to try again', content: { 'application/json': { schema: ErrorBody } } },
  ...errorResponses(400, 401, 403, 413),
};

export const acceptedResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: z.union([AlertAccepted, BatchAnswer]) } },
});

type BatchResult = z.infer<typeof BatchAnswer>['results'][number];

/** Batches go to Temporal a few alerts at a time: one large SIEM poll must not flood the frontend. */
const BATCH_CONCURRENCY = 16;

export interface IntakeDeps {
  incidents: IncidentClient;
  limiter: RateLimiter;
}

/** Notes the decision where the incident shows it (its alert's detail), so the audit keeps the rule. */
function withDecision(alert: Alert, decision: Decision): Alert {
  const note = decision.rule ? `[rule ${decision.rule}: ${decision.policy}]` : '[no rule matched: record]';
  const detail = alert.threat.detail ? `${note} ${alert.threat.detail}` : note;
  return { ...alert, threat: { ...alert.threat, detail: detail.slice(0, 4000) } };
}

async function submit(deps: IntakeDeps, source: RegisteredSource, candidate: Extract<Candidate, { ok: true }>): Promise<AlertAccepted> {
  const decision = source.rules.decide(candidate.alert);
  const accepted = await deps.incidents.submitAlert(withDecision(candidate.alert, decision), source.config.id, decision.policy);
  const incident = incidentLog(accepted.incidentId);
  incident.info(
    { event: 'alert.intake', source: source.config.id, format: source.config.type, policy: decision.policy, rule: decision.rule, ignoredFields: candidate.ignoredFields },
    'alert normalised',
  );
  incident.debug({ event: 'alert.raw', source: source.config.id, raw: candidate.raw }, 'raw alert');
  return {
    ...accepted,
    policy: decision.policy,
    ...(decision.rule ? { rule: decision.rule } : {}),
    ...(candidate.ignoredFields.length ? { ignoredFields: candidate.ignoredFields } : {}),
  };
}

/**
 * One request from an authenticated source: rate limit, parse with the source's format, decide
 * each alert's policy by the source's rules, start or merge the incidents. A single alert answers
 * 202 or 400; a batch answers per alert (202 all accepted, 207 some, 400 none). `route` names the
 * route in logs instead of its path, which may hold a credential.
 */
export async function intake(c: Context, deps: IntakeDeps, source: RegisteredSource, parse: (body: unknown) => ParsedBody, route: string) {
  const admission = deps.limiter.take(source.config.id, source.config.rateLimit);
  if (!admission.ok) {
    c.header('Retry-After', String(admission.retryAfterSeconds));
    return c.json(errorBody('rate-limited', `source ${source.config.id} is over its rate limit`), 429);
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return c.json(errorBody('invalid-json', 'the body is not JSON'), 400);
  }
  const parsed = parse(body);
  try {
    if (!parsed.batch) {
      const [candidate] = parsed.candidates;
      if (!candidate?.ok) return c.json(errorBody('invalid-alert', `the alert is not valid ${source.config.type} JSON`, candidate?.issues ?? []), 400);
      return c.json(await submit(deps, source, candidate), 202);
    }
    const limit = pLimit(BATCH_CONCURRENCY);
    const results = await Promise.all(
      parsed.candidates.map((candidate, index) => limit(async (): Promise<BatchResult> => {
        if (!candidate.ok) return { index, status: 'rejected', issues: candidate.issues };
        try {
          return { index, ...(await submit(deps, source, candidate)) };
        } catch (error) {
          log.error({ err: error, route, source: source.config.id, index }, 'alert of a batch failed');
          return { index, status: 'failed', message: 'internal error' };
        }
      })),
    );
    const accepted = results.filter((r) => r.status === 'started' || r.status === 'merged').length;
    const failed = results.some((r) => r.status === 'failed');
    const status = accepted === results.length ? 202 : accepted > 0 ? 207 : failed ? 500 : 400;
    return c.json({ results }, status);
  } catch (error) {
    log.error({ err: error, route, source: source.config.id }, 'alert intake failed');
    return c.json(errorBody('internal', 'internal error'), 500);
  }
}
