import { Hono } from 'hono';
import type { SimEnv } from '../face.js';
import type { StoredMailbox } from '../state.js';
import { graphError } from './errors.js';
import { findUser } from './resolve.js';
import { matchesFilter, parseSupportedFilter, propertyReader } from './filter.js';
import { operation, routeParam, type GraphRuntime } from './operation.js';
import { page, parseQuery, project, selectedProperties } from './query.js';

/** `SMTP:` marks the primary address, `smtp:` the aliases, as Exchange writes them. */
export function proxyAddressesOf(address: string, aliases: readonly string[] = []): string[] {
  return [`SMTP:${address}`, ...aliases.map((alias) => `smtp:${alias}`)];
}

export function graphUser(mailbox: StoredMailbox) {
  return {
    id: mailbox.id,
    displayName: mailbox.displayName ?? mailbox.address,
    mail: mailbox.address,
    userPrincipalName: mailbox.address,
    // A shared mailbox is a user whose account cannot sign in.
    accountEnabled: mailbox.kind === 'user',
    proxyAddresses: proxyAddressesOf(mailbox.address, mailbox.aliases),
    otherMails: [] as string[],
  };
}

/** What Graph returns without `$select`; proxyAddresses and otherMails must be asked for. */
const USER_DEFAULT_PROPERTIES = ['id', 'displayName', 'mail', 'userPrincipalName'] as const;
const USER_FILTER_PROPERTIES = new Set(['id', 'mail', 'userprincipalname', 'proxyaddresses', 'othermails', 'displayname']);

export function userRoutes(runtime: GraphRuntime): Hono<SimEnv> {
  const { ctx } = runtime;
  const app = new Hono<SimEnv>();

  app.get(
    '/users',
    operation(runtime, 'users.list', (c) => {
      const options = parseQuery(c.req.url);
      const filter = parseSupportedFilter(options.get('$filter'), USER_FILTER_PROPERTIES);
      const users = ctx.tenant.current
        .mailboxes()
        .map(graphUser)
        .filter((user) => !filter || matchesFilter(filter, propertyReader(user)));
      const selected = selectedProperties(options);
      const { value, ...links } = page(users, options, `${ctx.baseUrl()}/v1.0/users`);
      return c.json({
        '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#users`,
        value: value.map((user) => project(user, selected, USER_DEFAULT_PROPERTIES)),
        ...links,
      });
    }),
  );

  app.get(
    '/users/:user',
    operation(runtime, 'users.get', (c) => {
      const ref = routeParam(c, 'user');
      const mailbox = findUser(ctx.tenant.current, ref);
      if (!mailbox) return graphError(c.req.raw, 404, 'Request_ResourceNotFound', `Resource '${ref}' does not exist or one of its queried reference-property objects are not present.`);
      const selected = selectedProperties(parseQuery(c.req.url));
      return c.json({ '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#users/$entity`, ...project(graphUser(mailbox), selected, USER_DEFAULT_PROPERTIES) });
    }),
  );

  return app;
}
