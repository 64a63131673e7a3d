import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { canonicalMessageId } from '../../domain/message-id.js';
import type { SimEnv } from '../face.js';
import type { MessageView } from '../model.js';
import { graphError } from './errors.js';
import { matchesFilter, parseSupportedFilter, propertyReader } from './filter.js';
import { requireFolder, requireMailbox } from './resolve.js';
import { extendedPropertyExpansion } from './extended-properties.js';
import { graphMessage, MESSAGE_DEFAULT_PROPERTIES, messageEntityContext, preferenceHeaders, preferredIdType, type IdType } from './message-resource.js';
import { messageOperation, operation, routeParam, type GraphRuntime } from './operation.js';
import { messageOrder } from './order-by.js';
import { page, parseQuery, project, selectedProperties, type QueryOptions } from './query.js';

const MessageUpdate = z.object({ isRead: z.boolean().optional() });
const MoveRequest = z.object({ destinationId: z.string().min(1) });

const MESSAGE_FILTER_PROPERTIES = new Set(['internetmessageid', 'conversationid', 'subject']);

/** Message-IDs compare in canonical form (domain case-insensitive); other strings case-insensitively. */
function normaliseFilterValue(property: string, value: string): string {
  return property.toLowerCase() === 'internetmessageid' ? canonicalMessageId(value) : value.toLowerCase();
}

function idTypeOf(c: Context<SimEnv>): IdType {
  return preferredIdType(c.req.header('prefer'));
}

type GraphMessage = ReturnType<typeof graphMessage>;

/**
 * How a read answers each message: the `$select`ed properties (or the default set), plus the
 * extended properties `$expand` names, which Graph leaves out altogether when the message has none.
 * Built once per request so a bad `$select` or `$expand` is refused even when nothing matches.
 */
function messageAnswer(options: QueryOptions) {
  const selected = selectedProperties(options);
  const expansion = extendedPropertyExpansion(options);
  return (message: MessageView, resource: GraphMessage) => {
    const expanded = expansion?.(message) ?? [];
    return { ...project(resource, selected, MESSAGE_DEFAULT_PROPERTIES), ...(expanded.length > 0 ? { singleValueExtendedProperties: expanded } : {}) };
  };
}

async function jsonBody<T extends z.ZodType>(c: Context<SimEnv>, schema: T): Promise<z.infer<T> | Response> {
  const parsed = schema.safeParse(await c.req.json().catch(() => undefined));
  if (parsed.success) return parsed.data;
  return graphError(c.req.raw, 400, 'ErrorInvalidRequest', `The request body is invalid: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ')}`);
}

export function messageRoutes(runtime: GraphRuntime): Hono<SimEnv> {
  const { ctx } = runtime;
  const app = new Hono<SimEnv>();

  const list = (c: Context<SimEnv>, messages: MessageView[], contextPath: string) => {
    const options = parseQuery(c.req.url);
    const filter = parseSupportedFilter(options.get('$filter'), MESSAGE_FILTER_PROPERTIES);
    const idType = idTypeOf(c);
    const answer = messageAnswer(options);
    const entries = messages
      .sort(messageOrder(options))
      .map((message) => ({ message, resource: graphMessage(message, idType) }))
      .filter(({ resource }) => !filter || matchesFilter(filter, propertyReader(resource), normaliseFilterValue));
    const { value, ...links } = page(entries, options, `${ctx.baseUrl()}${new URL(c.req.url).pathname}`);
    return c.json(
      {
        '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#${contextPath}`,
        value: value.map(({ message, resource }) => answer(message, resource)),
        ...links,
      },
      200,
      preferenceHeaders(idType),
    );
  };

  // `/messages` spans the mailbox except Recoverable Items, which only its own folder path reaches.
  app.get(
    '/users/:user/messages',
    operation(
      runtime,
      'messages.list',
      (c) => {
        const tenant = ctx.tenant.current;
        const mailbox = requireMailbox(tenant, routeParam(c, 'user'));
        const recoverable = tenant.requireFolder(mailbox.id, 'recoverableitemsdeletions').id;
        const messages = tenant.messagesOf(mailbox.id).filter((message) => message.folderId !== recoverable);
        return list(c, messages, `users('${mailbox.id}')/messages`);
      },
      'mailbox',
    ),
  );

  app.get(
    '/users/:user/mailFolders/:folder/messages',
    operation(
      runtime,
      'mailFolders.messages',
      (c) => {
        const tenant = ctx.tenant.current;
        const mailbox = requireMailbox(tenant, routeParam(c, 'user'));
        const folder = requireFolder(tenant, mailbox.id, routeParam(c, 'folder'));
        return list(c, tenant.messagesIn(mailbox.id, folder.id), `users('${mailbox.id}')/mailFolders('${folder.id}')/messages`);
      },
      'mailbox',
    ),
  );

  app.get(
    '/users/:user/messages/:id',
    messageOperation(runtime, 'messages.get', (c, { mailbox, message }) => {
      const idType = idTypeOf(c);
      const answer = messageAnswer(parseQuery(c.req.url));
      return c.json(
        { '@odata.context': messageEntityContext(ctx.baseUrl(), mailbox.id), ...answer(message, graphMessage(message, idType)) },
        200,
        preferenceHeaders(idType),
      );
    }),
  );

  app.patch(
    '/users/:user/messages/:id',
    messageOperation(runtime, 'messages.update', async (c, { tenant, mailbox, message }) => {
      const update = await jsonBody(c, MessageUpdate);
      if (update instanceof Response) return update;
      const updated = update.isRead === undefined ? message : tenant.setRead(mailbox.id, message.immutableId, update.isRead);
      const idType = idTypeOf(c);
      return c.json(graphMessage(updated, idType), 200, preferenceHeaders(idType));
    }),
  );

  // A move answers 201 with the message under its new id (unless immutable ids were asked for).
  app.post(
    '/users/:user/messages/:id/move',
    messageOperation(runtime, 'messages.move', async (c, { tenant, mailbox, message }) => {
      const move = await jsonBody(c, MoveRequest);
      if (move instanceof Response) return move;
      const destination = requireFolder(tenant, mailbox.id, move.destinationId);
      const moved = tenant.move(mailbox.id, message.immutableId, destination.id);
      const idType = idTypeOf(c);
      return c.json({ '@odata.context': messageEntityContext(ctx.baseUrl(), mailbox.id), ...graphMessage(moved, idType) }, 201, preferenceHeaders(idType));
    }),
  );

  // A soft delete: the message leaves every visible folder for Recoverable Items.
  app.delete(
    '/users/:user/messages/:id',
    messageOperation(runtime, 'messages.delete', (c, { tenant, mailbox, message }) => {
      tenant.move(mailbox.id, message.immutableId, 'recoverableitemsdeletions');
      return c.body(null, 204);
    }),
  );

  // A hard delete: the message is gone from the mailbox, Recoverable Items included.
  app.post(
    '/users/:user/messages/:id/permanentDelete',
    messageOperation(runtime, 'messages.permanentDelete', (c, { tenant, mailbox, message }) => {
      tenant.hardDelete(mailbox.id, message.immutableId);
      return c.body(null, 204);
    }),
  );

  return app;
}
