import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { admin_directory_v1 } from 'googleapis';
import type { SimEnv } from '../face.js';
import type { Tenant } from '../model.js';
import type { StoredGroup, StoredMailbox } from '../state.js';
import { authorizeDirectory } from './auth.js';
import { notFound } from './errors.js';
import { enterOperation, knownErrorResponse, type GmailFaceEnv } from './operation.js';
import { pageOf, pageSize } from './paging.js';
import { pathParameter } from './request.js';

const MAX_MEMBERS_PAGE = 200;

function userResource(mailbox: StoredMailbox): admin_directory_v1.Schema$User {
  return {
    kind: 'admin#directory#user',
    id: mailbox.id,
    primaryEmail: mailbox.address,
    name: { fullName: mailbox.displayName ?? mailbox.address },
    emails: [{ address: mailbox.address, primary: true }, ...mailbox.aliases.map((address) => ({ address }))],
    // Google leaves out an empty alias list rather than sending [].
    ...(mailbox.aliases.length > 0 ? { aliases: mailbox.aliases } : {}),
  };
}

function member(id: string, email: string, type: 'USER' | 'GROUP' | 'EXTERNAL'): admin_directory_v1.Schema$Member {
  return { kind: 'admin#directory#member', id, email, role: 'MEMBER', type, status: 'ACTIVE' };
}

/** External addresses have no directory record; Google still gives each member an id. */
function externalMember(address: string): admin_directory_v1.Schema$Member {
  return member(createHash('sha256').update(address.toLowerCase()).digest('hex').slice(0, 21), address, 'EXTERNAL');
}

/** The list's own members, one level, in the list's order. */
function directMembers(tenant: Tenant, group: StoredGroup): admin_directory_v1.Schema$Member[] {
  return group.members.map((address) => {
    const entry = tenant.resolveAddress(address);
    if (entry?.kind === 'mailbox') return member(entry.mailbox.id, entry.mailbox.address, 'USER');
    if (entry?.kind === 'group') return member(entry.group.id, entry.group.address, 'GROUP');
    return externalMember(address);
  });
}

/** Every member however deeply nested, each once, nested lists included; the model's walk ends on cycles. */
function derivedMembers(tenant: Tenant, group: StoredGroup): admin_directory_v1.Schema$Member[] {
  const expanded = tenant.expandGroup(group.id);
  return [
    ...expanded.mailboxes.map((mailbox) => member(mailbox.id, mailbox.address, 'USER')),
    ...expanded.nestedGroups.map((nested) => member(nested.id, nested.address, 'GROUP')),
    ...expanded.external.map(externalMember),
  ];
}

function findMailbox(tenant: Tenant, userKey: string): StoredMailbox | undefined {
  const entry = tenant.resolveAddress(userKey);
  return entry?.kind === 'mailbox' ? entry.mailbox : tenant.mailbox(userKey);
}

function findGroup(tenant: Tenant, groupKey: string): StoredGroup | undefined {
  const entry = tenant.resolveAddress(groupKey);
  return entry?.kind === 'group' ? entry.group : tenant.group(groupKey);
}

/** Admin SDK Directory: users.get and members.list, the two calls recipient expansion needs. */
export function directoryRoutes(env: GmailFaceEnv): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  const refusal = async (c: Context<SimEnv>, operation: string) =>
    (await enterOperation(env, c, operation)) ?? authorizeDirectory(env.ctx, c.req.header('authorization'));

  app.get('/admin/directory/v1/users/:userKey', async (c) => {
    const refused = await refusal(c, 'gmail.directory.users.get');
    if (refused) return refused;
    const mailbox = findMailbox(env.ctx.tenant.current, pathParameter(c, 'userKey'));
    return mailbox ? c.json(userResource(mailbox)) : notFound('Resource Not Found: userKey');
  });

  app.get('/admin/directory/v1/groups/:groupKey/members', async (c) => {
    const refused = await refusal(c, 'gmail.directory.members.list');
    if (refused) return refused;
    const tenant = env.ctx.tenant.current;
    const group = findGroup(tenant, pathParameter(c, 'groupKey'));
    if (!group) return notFound('Resource Not Found: groupKey');
    try {
      const members = c.req.query('includeDerivedMembership') === 'true' ? derivedMembers(tenant, group) : directMembers(tenant, group);
      const page = pageOf(members, pageSize(c.req.query('maxResults'), MAX_MEMBERS_PAGE, MAX_MEMBERS_PAGE), c.req.query('pageToken'));
      const body: admin_directory_v1.Schema$Members = {
        kind: 'admin#directory#members',
        ...(page.items.length > 0 ? { members: page.items } : {}),
        ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
      };
      return c.json(body);
    } catch (error) {
      return knownErrorResponse(error);
    }
  });

  return app;
}
