import { Hono } from 'hono';
import { z } from 'zod';
import type { gmail_v1 } from 'googleapis';
import type { SimEnv } from '../face.js';
import { googleError, invalidArgument, notFound } from './errors.js';
import { labelModelOf, SYSTEM_LABEL_IDS } from './labels.js';
import { parseBody, pathParameter } from './request.js';
import { gmailMethod, type GmailFaceEnv } from './operation.js';

const LabelCreate = z.object({
  name: z.string().trim().min(1),
  labelListVisibility: z.enum(['labelShow', 'labelShowIfUnread', 'labelHide']).default('labelShow'),
  messageListVisibility: z.enum(['show', 'hide']).default('show'),
});

const BASE = '/gmail/v1/users/:userId/labels';

/** users.labels: list, get and create. */
export function labelRoutes(env: GmailFaceEnv): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  const labelModel = () => labelModelOf(env.ctx.tenant.current);

  app.get(
    BASE,
    gmailMethod(env, 'labels.list', (c, mailbox) => {
      const body: gmail_v1.Schema$ListLabelsResponse = { labels: labelModel().labels(mailbox.id) };
      return c.json(body);
    }),
  );

  app.get(
    `${BASE}/:id`,
    gmailMethod(env, 'labels.get', (c, mailbox) => {
      const label = labelModel().label(mailbox.id, pathParameter(c, 'id'));
      return label ? c.json(label) : notFound();
    }),
  );

  app.post(
    BASE,
    gmailMethod(env, 'labels.create', async (c, mailbox) => {
      const request = await parseBody(c, LabelCreate);
      if (request instanceof Response) return request;
      if (SYSTEM_LABEL_IDS.some((labelId) => labelId.toLowerCase() === request.name.toLowerCase())) return invalidArgument('Invalid label name');
      const labels = labelModel();
      if (labels.labelNamed(mailbox.id, request.name)) return googleError(409, 'duplicate', 'Label name exists or conflicts');
      const { name, ...visibility } = request;
      return c.json(labels.createLabel(mailbox.id, name, visibility));
    }),
  );

  return app;
}
