import { MailboxType, ResolveNameSearchLocation, type EmailAddress } from 'ews-javascript-api';
import type { GroupExpansion, GroupRef, MailboxRef, Resolution } from '../../domain/mail.js';
import type { EwsConnection } from './connection.js';

/**
 * Addresses and lists through the directory: ResolveNames (an explicit `smtp:` entry, so only an
 * exact address or alias matches) and ExpandDL, which answers one level and leaves the recursion
 * on nested lists to the client.
 */
export class EwsDirectory {
  constructor(
    private readonly connection: EwsConnection,
    private readonly domains: readonly string[],
  ) {}

  resolve(addresses: string[]): Promise<Resolution[]> {
    return Promise.all(addresses.map((address) => this.resolveOne(address)));
  }

  /** Every mailbox reachable through the list and its nested lists, each list expanded once (lists may contain each other). */
  async expandGroup(group: GroupRef): Promise<GroupExpansion> {
    const mailboxes = new Map<string, MailboxRef>();
    const external = new Set<string>();
    const nested = new Map<string, GroupRef>();
    const expanded = new Set<string>();
    const expand = async (address: string): Promise<void> => {
      const key = address.toLowerCase();
      if (expanded.has(key)) return;
      expanded.add(key);
      const expansion = await this.connection.call('expandGroup', undefined, (service) => service.ExpandGroup(address));
      const lists: string[] = [];
      for (const member of expansion.Members) {
        const memberAddress = member.Address.toLowerCase();
        if (isList(member)) {
          if (memberAddress !== group.address.toLowerCase()) nested.set(memberAddress, this.groupRef(member.Address));
          lists.push(member.Address);
        } else if (member.MailboxType === MailboxType.Mailbox) mailboxes.set(memberAddress, this.mailboxRef(member.Address));
        else external.add(member.Address);
      }
      await Promise.all(lists.map(expand));
    };
    await expand(group.address);
    return { group, mailboxes: [...mailboxes.values()], external: [...external], nestedGroups: [...nested.values()] };
  }

  private async resolveOne(address: string): Promise<Resolution> {
    const normalised = address.trim().toLowerCase();
    const at = normalised.lastIndexOf('@');
    if (at <= 0 || at === normalised.length - 1) return { kind: 'unknown', address, reason: 'not an email address' };
    const found = await this.connection.call('resolve', undefined, (service) => service.ResolveName(`smtp:${normalised}`, ResolveNameSearchLocation.DirectoryOnly, false));
    const domain = normalised.slice(at + 1);
    if (found.Count === 0) {
      return this.domains.includes(domain) ? { kind: 'unknown', address, reason: `no mailbox or list in ${domain} has this address` } : { kind: 'external', address };
    }
    const { Mailbox: entry } = found._getItem(0);
    if (isList(entry)) return { kind: 'group', address, group: this.groupRef(entry.Address) };
    if (entry.MailboxType === MailboxType.Mailbox) return { kind: 'mailbox', address, mailbox: this.mailboxRef(entry.Address) };
    return { kind: 'external', address };
  }

  /**
   * EWS names a mailbox by its primary SMTP address, which is also what impersonation takes. Shared
   * mailboxes resolve as MailboxType Mailbox like users; nothing here treats them differently.
   */
  private mailboxRef(address: string): MailboxRef {
    const primary = address.toLowerCase();
    return { tenantId: this.connection.tenantId, mailboxId: primary, address: primary, kind: 'user' };
  }

  private groupRef(address: string): GroupRef {
    const primary = address.toLowerCase();
    return { tenantId: this.connection.tenantId, groupId: primary, address: primary };
  }
}

/** A distribution list (EWS `PublicDL`), which ExpandDL expands one level at a time. */
function isList(entry: EmailAddress): boolean {
  return entry.MailboxType === MailboxType.PublicGroup;
}
