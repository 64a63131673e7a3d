import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import type { SimEnv } from '../face.js';
import type { Tenant } from '../model.js';
import type { StoredGroup } from '../state.js';
import { graphError } from './errors.js';
import { matchesFilter, parseSupportedFilter, propertyReader, type Filter } from './filter.js';
import { operation, routeParam, type GraphRuntime } from './operation.js';
import { page, parseQuery, project, selectedProperties } from './query.js';
import { graphUser, proxyAddressesOf } from './users.js';

function graphGroup(group: StoredGroup) {
  return {
    id: group.id,
    displayName: group.displayName ?? group.address,
    mail: group.address,
    mailEnabled: true,
    securityEnabled: false,
    // A distribution list: no "Unified" type.
    groupTypes: [] as string[],
    proxyAddresses: proxyAddressesOf(group.address),
  };
}

const GROUP_DEFAULT_PROPERTIES = ['id', 'displayName', 'mail', 'mailEnabled', 'securityEnabled', 'groupTypes'] as const;
const GROUP_FILTER_PROPERTIES = new Set(['id', 'mail', 'displayname', 'proxyaddresses']);

/** External members have no directory id in the model; a stable one is derived from the address. */
function contactId(address: string): string {
  return `ctc-${createHash('sha256').update(address.toLowerCase()).digest('hex').slice(0, 16)}`;
}

/**
 * Every member at any depth, each once: users, nested lists and external contacts, typed with
 * `@odata.type` as Graph does. The model's expansion keeps a visited set, so cycles end.
 */
function transitiveMembers(tenant: Tenant, groupId: string) {
  const members = tenant.expandGroup(groupId);
  return [
    ...members.mailboxes.map((mailbox) => {
      const { id, displayName, mail, userPrincipalName } = graphUser(mailbox);
      return { '@odata.type': '#microsoft.graph.user', id, displayName, mail, userPrincipalName };
    }),
    ...members.nestedGroups.map((group) => {
      const { id, displayName, mail } = graphGroup(group);
      return { '@odata.type': '#microsoft.graph.group', id, displayName, mail };
    }),
    ...members.external.map((address) => {
      const entry = tenant.resolveAddress(address);
      const displayName = entry?.kind === 'contact' ? (entry.contact.displayName ?? address) : address;
      return { '@odata.type': '#microsoft.graph.orgContact', id: contactId(address), displayName, mail: address };
    }),
  ];
}

export function groupRoutes(runtime: GraphRuntime): Hono<SimEnv> {
  const { ctx } = runtime;
  const app = new Hono<SimEnv>();
  const notFound = (request: Request, id: string) =>
    graphError(request, 404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);

  app.get(
    '/groups',
    operation(runtime, 'groups.list', (c) => {
      const tenant = ctx.tenant.current;
      const options = parseQuery(c.req.url);
      const filter = parseSupportedFilter(options.get('$filter'), GROUP_FILTER_PROPERTIES);
      const groups = candidateGroups(tenant, filter)
        .map(graphGroup)
        .filter((group) => !filter || matchesFilter(filter, propertyReader(group)));
      const selected = selectedProperties(options);
      const { value, ...links } = page(groups, options, `${ctx.baseUrl()}/v1.0/groups`);
      return c.json({
        '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#groups`,
        value: value.map((group) => project(group, selected, GROUP_DEFAULT_PROPERTIES)),
        ...links,
      });
    }),
  );

  app.get(
    '/groups/:group',
    operation(runtime, 'groups.get', (c) => {
      const group = ctx.tenant.current.group(routeParam(c, 'group'));
      if (!group) return notFound(c.req.raw, routeParam(c, 'group'));
      const selected = selectedProperties(parseQuery(c.req.url));
      return c.json({ '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#groups/$entity`, ...project(graphGroup(group), selected, GROUP_DEFAULT_PROPERTIES) });
    }),
  );

  app.get(
    '/groups/:group/transitiveMembers',
    operation(runtime, 'groups.transitiveMembers', (c) => {
      const groupId = routeParam(c, 'group');
      if (!ctx.tenant.current.group(groupId)) return notFound(c.req.raw, groupId);
      const options = parseQuery(c.req.url);
      const { value, ...links } = page(transitiveMembers(ctx.tenant.current, groupId), options, `${ctx.baseUrl()}/v1.0/groups/${encodeURIComponent(groupId)}/transitiveMembers`);
      return c.json({ '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#directoryObjects`, value, ...links });
    }),
  );

  return app;
}

/**
 * The groups a filter can match. `mail eq` (how lists are resolved) is answered from the address
 * index; anything else scans the tenant's records, which the model only hands out serialised.
 */
function candidateGroups(tenant: Tenant, filter: Filter | undefined): StoredGroup[] {
  if (filter?.kind === 'eq' && filter.property.toLowerCase() === 'mail') {
    const entry = tenant.resolveAddress(filter.value);
    return entry?.kind === 'group' ? [entry.group] : [];
  }
  return tenant.toJSON().groups;
}
