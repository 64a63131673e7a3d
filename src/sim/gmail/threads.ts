import { Hono } from 'hono';
import type { gmail_v1 } from 'googleapis';
import type { SimEnv } from '../face.js';
import { notFound } from './errors.js';
import { labelModelOf } from './labels.js';
import { formatOf, pathParameter } from './request.js';
import { gmailMethod, type GmailFaceEnv } from './operation.js';
import { messageResource, threadIdOf } from './wire.js';

/** users.threads.get: the mailbox's messages of one thread, oldest first, spam and trash included. */
export function threadRoutes(env: GmailFaceEnv): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.get(
    '/gmail/v1/users/:userId/threads/:id',
    gmailMethod(env, 'threads.get', async (c, mailbox) => {
      const requested = formatOf(c);
      if (requested instanceof Response) return requested;
      const threadId = pathParameter(c, 'id');
      const labels = labelModelOf(env.ctx.tenant.current);
      const messages = labels
        .messages(mailbox.id)
        .filter((message) => threadIdOf(message) === threadId)
        .sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt));
      if (messages.length === 0) return notFound();
      const body: gmail_v1.Schema$Thread = {
        id: threadId,
        messages: await Promise.all(
          messages.map((message) => messageResource(message, labels.labelIds(message), requested.format, requested.metadataHeaders)),
        ),
      };
      return c.json(body);
    }),
  );

  return app;
}
