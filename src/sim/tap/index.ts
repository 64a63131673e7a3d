import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Face, SimEnv } from '../face.js';
import { SIM_TAP_PRINCIPAL, SIM_TAP_SECRET, tapEventLog } from './events.js';
import { requestedWindow } from './window.js';

const EXPECTED = Buffer.from(`Basic ${Buffer.from(`${SIM_TAP_PRINCIPAL}:${SIM_TAP_SECRET}`).toString('base64')}`);

function authorised(header: string | undefined): boolean {
  const given = Buffer.from(header ?? '');
  return given.length === EXPECTED.length && timingSafeEqual(given, EXPECTED);
}

/**
 * Proofpoint TAP's SIEM API (`/v2/siem/all`), JSON format: Basic auth with a service principal,
 * the documented window rules, errors as plain-text bodies with TAP's status codes, and events
 * queued through the control API (`POST /tap/events`).
 */
export const tapFace: Face = (ctx) => {
  const app = new Hono<SimEnv>();
  const events = tapEventLog(ctx);
  app.get('/v2/siem/all', (c) => {
    events.requests++;
    if (!authorised(c.req.header('authorization'))) return c.text('The credentials are missing or not authorized.', 401);
    const format = c.req.query('format') ?? 'syslog';
    if (format !== 'json') return c.text('This simulator answers format=json only.', 400);
    const window = requestedWindow({ interval: c.req.query('interval'), sinceSeconds: c.req.query('sinceSeconds'), sinceTime: c.req.query('sinceTime') }, Date.now());
    if (!window.ok) return c.text(window.message, 400);
    return c.json({ queryEndTime: new Date(window.end).toISOString(), ...events.between(window.start, window.end) });
  });
  return app;
};
