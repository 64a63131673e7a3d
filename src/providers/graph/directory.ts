import type { GroupExpansion, GroupRef, MailboxRef, Resolution } from '../../domain/mail.js';
import { ProviderError } from '../errors.js';
import { odataString, segment } from './odata.js';
import type { GraphSession } from './session.js';

interface GraphUser {
  id: string;
  mail?: string | null;
  userPrincipalName?: string;
  accountEnabled?: boolean;
}

interface GraphGroup {
  id: string;
  mail?: string | null;
}

interface DirectoryObject {
  '@odata.type': string;
  id: string;
  mail?: string | null;
  userPrincipalName?: string;
  accountEnabled?: boolean;
}

const USER_FIELDS = 'id,mail,userPrincipalName,accountEnabled,proxyAddresses';

/**
 * Addresses and lists through the directory. Only addresses in the tenant's own domains are
 * looked up; anything else is external without a request.
 */
export class GraphDirectory {
  private readonly domains: Set<string>;

  constructor(
    private readonly session: GraphSession,
    domains: string[],
  ) {
    this.domains = new Set(domains.map((domain) => domain.toLowerCase()));
  }

  resolve(addresses: string[]): Promise<Resolution[]> {
    return Promise.all(addresses.map((address) => this.resolveOne(address)));
  }

  /**
   * `transitiveMembers` flattens nesting (and cycles) on the service side; every member comes
   * once, typed: users are mailboxes, groups are the nested lists, org contacts are external.
   */
  async expandGroup(group: GroupRef): Promise<GroupExpansion> {
    if (group.tenantId !== this.session.tenantId) {
      throw new ProviderError('ProviderRejected', `list ${group.address} belongs to tenant ${group.tenantId}, not ${this.session.tenantId}`, {
        tenantId: this.session.tenantId,
        operation: 'expandGroup',
      });
    }
    const members = await this.session.all<DirectoryObject>({ operation: 'expandGroup', permission: 'GroupMember.Read.All' }, (client) =>
      client.api(`/groups/${segment(group.groupId)}/transitiveMembers`).select('id,mail,userPrincipalName,accountEnabled').top(999),
    );
    const mailboxes = new Map<string, MailboxRef>();
    const nested = new Map<string, GroupRef>();
    const external = new Set<string>();
    for (const member of members) {
      const address = member.mail?.toLowerCase();
      if (!address) continue;
      const type = member['@odata.type'].replace(/^#microsoft\.graph\./, '');
      if (type === 'user' && this.ownsAddress(address)) mailboxes.set(member.id, this.mailboxRef(member, address));
      else if (type === 'group' && member.id !== group.groupId) nested.set(member.id, { tenantId: this.session.tenantId, groupId: member.id, address });
      else if (type === 'orgContact' || type === 'user') external.add(address);
    }
    return { group, mailboxes: [...mailboxes.values()], external: [...external], nestedGroups: [...nested.values()] };
  }

  private ownsAddress(address: string): boolean {
    return this.domains.has(address.slice(address.lastIndexOf('@') + 1));
  }

  private async resolveOne(address: string): Promise<Resolution> {
    const normalised = address.trim().toLowerCase();
    const at = normalised.lastIndexOf('@');
    if (at <= 0 || at === normalised.length - 1 || /\s/.test(normalised)) return { kind: 'unknown', address, reason: 'not an email address' };
    if (!this.ownsAddress(normalised)) return { kind: 'external', address };

    const literal = odataString(normalised);
    const proxy = odataString(`smtp:${normalised}`);
    const users = await this.session.all<GraphUser>({ operation: 'resolve', permission: 'User.Read.All' }, (client) =>
      client.api('/users').filter(`proxyAddresses/any(p:p eq ${proxy}) or mail eq ${literal}`).select(USER_FIELDS),
    );
    const user = users[0];
    if (user) return { kind: 'mailbox', address, mailbox: this.mailboxRef(user, user.mail?.toLowerCase() ?? normalised) };

    const groups = await this.session.all<GraphGroup>({ operation: 'resolve', permission: 'GroupMember.Read.All' }, (client) =>
      client.api('/groups').filter(`mail eq ${literal} or proxyAddresses/any(p:p eq ${proxy})`).select('id,mail'),
    );
    const group = groups[0];
    if (group) return { kind: 'group', address, group: { tenantId: this.session.tenantId, groupId: group.id, address: group.mail?.toLowerCase() ?? normalised } };
    return { kind: 'unknown', address, reason: `no user, shared mailbox or list in the directory has ${normalised}` };
  }

  /**
   * A shared mailbox is a user object whose account cannot sign in: `accountEnabled: false` is
   * the one signal Graph gives. A user whose account was merely disabled looks the same; both
   * are searched alike, so the label only informs.
   */
  private mailboxRef(user: GraphUser | DirectoryObject, address: string): MailboxRef {
    return { tenantId: this.session.tenantId, mailboxId: user.id, address, kind: user.accountEnabled === false ? 'shared' : 'user' };
  }
}
