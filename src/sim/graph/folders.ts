import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import type { SimEnv } from '../face.js';
import type { FolderView, Tenant } from '../model.js';
import { graphError } from './errors.js';
import { requireFolder, requireMailbox } from './resolve.js';
import { operation, routeParam, type GraphRuntime } from './operation.js';
import { page, parseQuery } from './query.js';

const NewFolder = z.object({ displayName: z.string(), isHidden: z.boolean().optional() });

function graphFolder(tenant: Tenant, folder: FolderView, allFolders: FolderView[]) {
  const messages = tenant.messagesIn(folder.mailboxId, folder.id);
  return {
    id: folder.id,
    displayName: folder.displayName,
    parentFolderId: folder.parentId,
    childFolderCount: allFolders.filter((candidate) => candidate.parentId === folder.id).length,
    unreadItemCount: messages.filter((message) => !message.isRead).length,
    totalItemCount: messages.length,
    isHidden: folder.isHidden,
  };
}

/** Graph lists one level per call; hidden folders only with `includeHiddenFolders=true`. */
function childFolders(tenant: Tenant, mailboxId: string, parent: FolderView, includeHidden: boolean) {
  const all = tenant.listFolders(mailboxId, { includeHidden: true });
  return all.filter((folder) => folder.parentId === parent.id && (includeHidden || !folder.isHidden)).map((folder) => graphFolder(tenant, folder, all));
}

export function folderRoutes(runtime: GraphRuntime): Hono<SimEnv> {
  const { ctx } = runtime;
  const app = new Hono<SimEnv>();

  const listChildren = (c: Context<SimEnv>, parentRef: string) => {
    const tenant = ctx.tenant.current;
    const mailbox = requireMailbox(tenant, routeParam(c, 'user'));
    const parent = requireFolder(tenant, mailbox.id, parentRef);
    const options = parseQuery(c.req.url);
    const includeHidden = options.get('includeHiddenFolders')?.toLowerCase() === 'true';
    const { value, ...links } = page(childFolders(tenant, mailbox.id, parent, includeHidden), options, `${ctx.baseUrl()}${new URL(c.req.url).pathname}`);
    return c.json({ '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#users('${mailbox.id}')/mailFolders`, value, ...links });
  };

  const create = async (c: Context<SimEnv>, parentRef: string) => {
    const tenant = ctx.tenant.current;
    const mailbox = requireMailbox(tenant, routeParam(c, 'user'));
    const parent = requireFolder(tenant, mailbox.id, parentRef);
    const parsed = NewFolder.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return graphError(c.req.raw, 400, 'ErrorInvalidRequest', 'The request body must name the folder: {"displayName": "...", "isHidden": false}.');
    const folder = tenant.createFolder(mailbox.id, parsed.data.displayName, { parentFolderId: parent.id, isHidden: parsed.data.isHidden ?? false });
    const all = tenant.listFolders(mailbox.id, { includeHidden: true });
    return c.json({ '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#users('${mailbox.id}')/mailFolders/$entity`, ...graphFolder(tenant, folder, all) }, 201);
  };

  app.get('/users/:user/mailFolders', operation(runtime, 'mailFolders.list', (c) => listChildren(c, 'msgfolderroot'), 'mailbox'));
  app.post('/users/:user/mailFolders', operation(runtime, 'mailFolders.create', (c) => create(c, 'msgfolderroot'), 'mailbox'));
  app.get('/users/:user/mailFolders/:folder/childFolders', operation(runtime, 'mailFolders.childFolders', (c) => listChildren(c, routeParam(c, 'folder')), 'mailbox'));
  app.post('/users/:user/mailFolders/:folder/childFolders', operation(runtime, 'mailFolders.create', (c) => create(c, routeParam(c, 'folder')), 'mailbox'));
  app.get(
    '/users/:user/mailFolders/:folder',
    operation(
      runtime,
      'mailFolders.get',
      (c) => {
        const tenant = ctx.tenant.current;
        const mailbox = requireMailbox(tenant, routeParam(c, 'user'));
        const folder = requireFolder(tenant, mailbox.id, routeParam(c, 'folder'));
        const all = tenant.listFolders(mailbox.id, { includeHidden: true });
        return c.json({ '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#users('${mailbox.id}')/mailFolders/$entity`, ...graphFolder(tenant, folder, all) });
      },
      'mailbox',
    ),
  );

  return app;
}
