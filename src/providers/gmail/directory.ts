import type { admin_directory_v1 } from 'googleapis';
import type { GroupExpansion, GroupRef, MailboxRef, Resolution } from '../../domain/mail.js';
import type { GoogleApi } from './api.js';
import { mapConcurrently } from './concurrency.js';

const MEMBERS_PAGE = 200;
const RESOLVE_CONCURRENCY = 4;

/**
 * Recipients through the Admin SDK Directory, acting as the configured admin user. A group is
 * recognised by listing its members (admin.directory.group.member.readonly) rather than by
 * groups.get, which would need a broader scope.
 */
export class GmailDirectory {
  private readonly domains: Set<string>;

  constructor(
    private readonly api: GoogleApi,
    domains: readonly string[],
  ) {
    this.domains = new Set(domains.map((domain) => domain.toLowerCase()));
  }

  resolve(addresses: string[]): Promise<Resolution[]> {
    return mapConcurrently(addresses, RESOLVE_CONCURRENCY, (address) => this.resolveOne(address));
  }

  /**
   * Google flattens nested groups when asked (`includeDerivedMembership`); the walk still
   * visits every nested group itself, once, so a membership Google leaves out is not missed
   * and a cycle ends.
   */
  async expand(group: GroupRef): Promise<GroupExpansion> {
    const mailboxes = new Map<string, MailboxRef>();
    const nested = new Map<string, GroupRef>();
    const external = new Set<string>();
    const visited = new Set([group.groupId.toLowerCase(), group.address.toLowerCase()]);
    const pending = [group.groupId];
    for (let key = pending.shift(); key !== undefined; key = pending.shift()) {
      for (const member of await this.members(key, key !== group.groupId)) {
        const email = member.email?.toLowerCase();
        if (!email || !member.id) continue;
        if (member.type === 'GROUP') {
          if (visited.has(member.id.toLowerCase()) || visited.has(email)) continue;
          visited.add(member.id.toLowerCase()).add(email);
          nested.set(member.id, { tenantId: this.api.tenantId, groupId: member.id, address: email });
          pending.push(member.id);
        } else if (member.type === 'USER' && this.owns(email)) {
          mailboxes.set(member.id, this.mailboxRef(member.id, email));
        } else if (member.type === 'USER' || member.type === 'EXTERNAL') {
          external.add(email);
        }
      }
    }
    return { group, mailboxes: [...mailboxes.values()], external: [...external], nestedGroups: [...nested.values()] };
  }

  private async resolveOne(address: string): Promise<Resolution> {
    const normalised = address.trim().toLowerCase();
    const at = normalised.lastIndexOf('@');
    if (at <= 0 || at === normalised.length - 1) return { kind: 'unknown', address, reason: 'not an email address' };
    if (!this.owns(normalised)) return { kind: 'external', address };
    const user = await this.api.directoryOrAbsent('users.get', (admin) => admin.users.get({ userKey: normalised }));
    if (user?.id && user.primaryEmail) return { kind: 'mailbox', address, mailbox: this.mailboxRef(user.id, user.primaryEmail.toLowerCase()) };
    const group = await this.api.directoryOrAbsent('members.list', (admin) => admin.members.list({ groupKey: normalised, maxResults: 1 }));
    if (group) return { kind: 'group', address, group: { tenantId: this.api.tenantId, groupId: normalised, address: normalised } };
    return { kind: 'unknown', address, reason: `no user, alias or group in ${normalised.slice(at + 1)} has this address` };
  }

  /**
   * Every member of one group, all pages. The group asked for must exist (ProviderRejected
   * otherwise); a nested group deleted meanwhile just has no members.
   */
  private async members(groupKey: string, nested: boolean): Promise<admin_directory_v1.Schema$Member[]> {
    const members: admin_directory_v1.Schema$Member[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.api.directoryOrAbsent(
        'members.list',
        (admin) => admin.members.list({ groupKey, includeDerivedMembership: true, maxResults: MEMBERS_PAGE, ...(pageToken ? { pageToken } : {}) }),
        nested ? [404] : [],
      );
      members.push(...(page?.members ?? []));
      pageToken = page?.nextPageToken ?? undefined;
    } while (pageToken);
    return members;
  }

  private owns(address: string): boolean {
    return this.domains.has(address.slice(address.lastIndexOf('@') + 1));
  }

  private mailboxRef(id: string, address: string): MailboxRef {
    return { tenantId: this.api.tenantId, mailboxId: id, address, kind: 'user' };
  }
}
