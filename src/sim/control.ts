import { Hono } from 'hono';
import { z } from 'zod';
import { issuesOf } from '../domain/issues.js';
import { FaultPlan } from './faults.js';
import { SimLimits } from './limits.js';
import type { SimContext } from './face.js';
import { deliveredFieldsOf } from './mime-fields.js';
import { Tenant } from './model.js';
import { Scenario, ScenarioMessage } from './scenario.js';
import { tapControl } from './tap/control.js';

const LateDelivery = z.object({ message: ScenarioMessage, receivedAt: z.iso.datetime({ offset: true }).optional() }).strict();

/** Exact bytes into one folder, for reports that must arrive as sent (even malformed). */
const RawDelivery = z
  .object({
    mailbox: z.email(),
    folder: z.string().trim().min(1).default('inbox'),
    mimeBase64: z.base64(),
    receivedAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

/**
 * The simulator's own API, apart from the provider faces and bound to loopback only: load or
 * reset a scenario, deliver mail late (or as raw bytes), see where every copy is, read request
 * counters, set faults and limits.
 */
export function controlApp(ctx: SimContext): Hono {
  const app = new Hono();
  const invalid = (error: z.ZodError) => ({ error: { code: 'invalid-request', issues: issuesOf(error) } });
  const notFound = (what: 'mailbox' | 'folder', message: string) => ({ error: { code: `unknown-${what}`, message } });

  app.get('/healthz', (c) => c.json({ status: 'ok', tenantId: ctx.tenant.current.tenantId }));

  app.put('/scenario', async (c) => {
    const parsed = Scenario.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json(invalid(parsed.error), 400);
    ctx.tenant.current = Tenant.fromScenario(parsed.data);
    // A scenario brings its own latency, faults and limits; one without them runs at defaults.
    ctx.faults.set(parsed.data.simulation?.faults ?? {});
    ctx.limits.current = SimLimits.parse(parsed.data.simulation?.limits ?? {});
    ctx.counters.reset();
    return c.json({ tenantId: ctx.tenant.current.tenantId, mailboxes: ctx.tenant.current.mailboxes().length });
  });

  app.post('/deliveries', async (c) => {
    const parsed = LateDelivery.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json(invalid(parsed.error), 400);
    const delivered = ctx.tenant.current.deliver(parsed.data.message, { receivedAt: parsed.data.receivedAt });
    return c.json({ delivered: delivered.length }, 201);
  });

  app.post('/raw-deliveries', async (c) => {
    const parsed = RawDelivery.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json(invalid(parsed.error), 400);
    const { mailbox: address, folder: folderRef, mimeBase64, receivedAt = new Date().toISOString() } = parsed.data;
    const tenant = ctx.tenant.current;
    const entry = tenant.resolveAddress(address);
    if (entry?.kind !== 'mailbox') return c.json(notFound('mailbox', `no mailbox has the address ${address}`), 404);
    const folder = tenant.findFolder(entry.mailbox.id, folderRef);
    if (!folder) return c.json(notFound('folder', `${entry.mailbox.address} has no folder "${folderRef}"`), 404);
    const mime = Buffer.from(mimeBase64, 'base64');
    const fields = await deliveredFieldsOf(mime, entry.mailbox, receivedAt);
    const stored = tenant.importMessage(entry.mailbox.id, folder.id, fields, { mime, receivedAt });
    return c.json({ itemId: stored.itemId }, 201);
  });

  app.get('/snapshot', (c) => {
    const messageId = c.req.query('messageId');
    if (!messageId) return c.json({ error: { code: 'invalid-request', issues: [{ path: 'messageId', message: 'required' }] } }, 400);
    return c.json({ messageId, placements: ctx.tenant.current.locate(messageId) });
  });

  app.get('/counters', (c) => c.json(ctx.counters.snapshot()));
  app.delete('/counters', (c) => {
    ctx.counters.reset();
    return c.body(null, 204);
  });

  app.get('/limits', (c) => c.json(ctx.limits.current));
  app.put('/limits', async (c) => {
    const parsed = SimLimits.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json(invalid(parsed.error), 400);
    ctx.limits.current = parsed.data;
    return c.json(ctx.limits.current);
  });

  app.get('/faults', (c) => c.json(ctx.faults.current));
  app.put('/faults', async (c) => {
    const parsed = FaultPlan.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json(invalid(parsed.error), 400);
    ctx.faults.set(parsed.data);
    return c.json(ctx.faults.current);
  });

  app.route('/tap', tapControl(ctx));

  return app;
}
