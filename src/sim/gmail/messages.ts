import { Hono } from 'hono';
import { z } from 'zod';
import type { gmail_v1 } from 'googleapis';
import type { SimEnv } from '../face.js';
import { notFound } from './errors.js';
import { labelModelOf } from './labels.js';
import { gmailMethod, type GmailFaceEnv } from './operation.js';
import { pageOf, pageSize } from './paging.js';
import { formatOf, listParameter, parseBody, pathParameter } from './request.js';
import { parseMessageQuery } from './query.js';
import { messageResource, threadIdOf } from './wire.js';

const labelChange = {
  addLabelIds: z.array(z.string()).default([]),
  removeLabelIds: z.array(z.string()).default([]),
};
const namesAChange = (change: { addLabelIds: string[]; removeLabelIds: string[] }) => change.addLabelIds.length + change.removeLabelIds.length > 0;
const NO_CHANGE = { message: 'No label add or removes specified' };

const LabelChange = z.object(labelChange).refine(namesAChange, NO_CHANGE);
const BatchLabelChange = z
  .object({ ids: z.array(z.string().min(1)).min(1).max(1000), ...labelChange })
  .refine(namesAChange, NO_CHANGE);

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 500;

const BASE = '/gmail/v1/users/:userId';

/** users.messages: list, get, modify, batchModify, trash and untrash. */
export function messageRoutes(env: GmailFaceEnv): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  const labelModel = () => labelModelOf(env.ctx.tenant.current);

  app.get(
    `${BASE}/messages`,
    gmailMethod(env, 'messages.list', (c, mailbox) => {
      const labels = labelModel();
      const query = parseMessageQuery(c.req.query('q'));
      const includeSpamTrash = c.req.query('includeSpamTrash') === 'true' || query.searchesSpamOrTrash;
      const requiredLabels = listParameter(c.req.queries('labelIds'));
      const labelName = (labelId: string) => labels.label(mailbox.id, labelId)?.name ?? undefined;
      const matched = labels
        .messages(mailbox.id)
        .map((message) => ({ message, labelIds: labels.labelIds(message) }))
        .filter(({ labelIds }) => includeSpamTrash || !labelIds.some((labelId) => labelId === 'SPAM' || labelId === 'TRASH'))
        .filter(({ labelIds }) => requiredLabels.every((labelId) => labelIds.includes(labelId)))
        .filter(({ message, labelIds }) => query.matches(message, labelIds, labelName))
        .map(({ message }) => message)
        // Newest first, as Gmail lists; the id breaks ties so pages never overlap.
        .sort((a, b) => Date.parse(b.receivedAt) - Date.parse(a.receivedAt) || b.immutableId.localeCompare(a.immutableId));
      const page = pageOf(matched, pageSize(c.req.query('maxResults'), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE), c.req.query('pageToken'));
      const body: gmail_v1.Schema$ListMessagesResponse = {
        ...(page.items.length > 0 ? { messages: page.items.map((message) => ({ id: message.immutableId, threadId: threadIdOf(message) })) } : {}),
        ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
        resultSizeEstimate: matched.length,
      };
      return c.json(body);
    }),
  );

  app.post(
    `${BASE}/messages/batchModify`,
    gmailMethod(env, 'messages.batchModify', async (c, mailbox) => {
      const change = await parseBody(c, BatchLabelChange);
      if (change instanceof Response) return change;
      const labels = labelModel();
      // Ids the mailbox does not hold are skipped rather than failing the batch (inferred).
      for (const id of change.ids) {
        if (labels.message(mailbox.id, id)) labels.relabel(mailbox.id, id, change.addLabelIds, change.removeLabelIds);
      }
      return c.body(null, 204);
    }),
  );

  app.get(
    `${BASE}/messages/:id`,
    gmailMethod(env, 'messages.get', async (c, mailbox) => {
      const requested = formatOf(c);
      if (requested instanceof Response) return requested;
      const labels = labelModel();
      const message = labels.message(mailbox.id, pathParameter(c, 'id'));
      if (!message) return notFound();
      return c.json(await messageResource(message, labels.labelIds(message), requested.format, requested.metadataHeaders));
    }),
  );

  app.post(
    `${BASE}/messages/:id/modify`,
    gmailMethod(env, 'messages.modify', async (c, mailbox) => {
      const change = await parseBody(c, LabelChange);
      if (change instanceof Response) return change;
      const labels = labelModel();
      const message = labels.relabel(mailbox.id, pathParameter(c, 'id'), change.addLabelIds, change.removeLabelIds);
      return c.json(await messageResource(message, labels.labelIds(message), 'minimal'));
    }),
  );

  for (const [action, add, remove] of [
    ['trash', ['TRASH'], []],
    ['untrash', [], ['TRASH']],
  ] as const) {
    app.post(
      `${BASE}/messages/:id/${action}`,
      gmailMethod(env, `messages.${action}`, async (c, mailbox) => {
        const labels = labelModel();
        const message = labels.relabel(mailbox.id, pathParameter(c, 'id'), [...add], [...remove]);
        return c.json(await messageResource(message, labels.labelIds(message), 'minimal'));
      }),
    );
  }

  return app;
}
