import { Hono } from 'hono';
import { issuesOf } from '../../domain/issues.js';
import type { SimContext } from '../face.js';
import { QueuedTapEvents, tapEventLog } from './events.js';

/** `POST /tap/events` queues SIEM events (requests answered are in `GET /counters`, `tap.siem.all`). */
export function tapControl(ctx: SimContext): Hono {
  const app = new Hono();
  const events = tapEventLog(ctx);
  app.post('/events', async (c) => {
    const parsed = QueuedTapEvents.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: { code: 'invalid-request', issues: issuesOf(parsed.error) } }, 400);
    return c.json({ queued: events.add(parsed.data) }, 201);
  });
  return app;
}
