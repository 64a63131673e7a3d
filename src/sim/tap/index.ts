import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { transportFault, type Face, type SimEnv } from '../face.js';
import { SIM_TAP_PRINCIPAL, SIM_TAP_SECRET, tapEventLog } from './events.js';
import { requestedWindow } from './window.js';

const EXPECTED = Buffer.from(`Basic ${Buffer.from(`${SIM_TAP_PRINCIPAL}:${SIM_TAP_SECRET}`).toString('base64')}`);

function authorised(header: string | undefined): boolean {
  const given = Buffer.from(header ?? '');
  return given.length === EXPECTED.length && timingSafeEqual(given, EXPECTED);
}

/** The SIEM request's name for counters and fault plans. */
export const TAP_SIEM_OPERATION = 'tap.siem.all';

/**
 * Proofpoint TAP's SIEM API (`/v2/siem/all`), JSON format: Basic auth with a service principal,
 * the documented window rules, errors as plain-text bodies with TAP's status codes, and events
 * queued through the control API (`POST /tap/events`). A fault plan's `throttle` on
 * `tap.siem.all` answers TAP's 429 (without Retry-After, as TAP sends none).
 */
export const tapFace: Face = (ctx) => {
  const app = new Hono<SimEnv>();
  const events = tapEventLog(ctx);
  app.get('/v2/siem/all', async (c) => {
    ctx.counters.request(TAP_SIEM_OPERATION);
    const outcome = await ctx.faults.enter(TAP_SIEM_OPERATION);
    if (await transportFault(c, outcome)) return c.body(null);
    if (outcome?.kind === 'throttle') {
      ctx.counters.throttle(TAP_SIEM_OPERATION);
      return c.text('Too many requests: the SIEM API allows 1800 requests per 24 hours.', 429);
    }
    if (outcome?.kind === 'status') return new Response(`Injected failure with status ${outcome.status}.`, { status: outcome.status, headers: { 'content-type': 'text/plain' } });
    if (!authorised(c.req.header('authorization'))) return c.text('The credentials are missing or not authorized.', 401);
    const format = c.req.query('format') ?? 'syslog';
    if (format !== 'json') return c.text('This simulator answers format=json only.', 400);
    const window = requestedWindow({ interval: c.req.query('interval'), sinceSeconds: c.req.query('sinceSeconds'), sinceTime: c.req.query('sinceTime') }, Date.now());
    if (!window.ok) return c.text(window.message, 400);
    return c.json({ queryEndTime: new Date(window.end).toISOString(), ...events.between(window.start, window.end) });
  });
  return app;
};
