import type { DirectoryEntry, Tenant } from '../model.js';
import type { StoredMailbox } from '../state.js';
import { EwsResponseError, responseFor } from './errors.js';
import type { OperationContext } from './ids.js';
import type { ResponseMessage } from './soap.js';
import { attribute, child, childText, type XmlNode } from './xml.js';

/** ResolveNames answers at most this many candidates, as Exchange does. */
const MAX_RESOLUTIONS = 100;

type MailboxType = 'Mailbox' | 'PublicDL' | 'Contact' | 'OneOff';

interface Resolved {
  name: string;
  address: string;
  mailboxType: MailboxType;
}

function resolvedEntry(entry: DirectoryEntry): Resolved {
  if (entry.kind === 'mailbox') return { name: entry.mailbox.displayName ?? entry.mailbox.address, address: entry.mailbox.address, mailboxType: 'Mailbox' };
  if (entry.kind === 'group') return { name: entry.group.displayName ?? entry.group.address, address: entry.group.address, mailboxType: 'PublicDL' };
  return { name: entry.contact.displayName ?? entry.contact.address, address: entry.contact.address, mailboxType: 'Contact' };
}

function mailboxElement(resolved: Resolved): XmlNode {
  return { 't:Name': resolved.name, 't:EmailAddress': resolved.address, 't:RoutingType': 'SMTP', 't:MailboxType': resolved.mailboxType };
}

/**
 * Ambiguous name resolution: an exact address or alias wins; otherwise every directory entry whose
 * address, alias or display-name word starts with the text.
 */
function resolveName(tenant: Tenant, unresolved: string): Resolved[] {
  const explicitSmtp = /^smtp:/i.test(unresolved);
  const textToResolve = unresolved.replace(/^smtp:/i, '').trim().toLowerCase();
  const exact = tenant.resolveAddress(textToResolve);
  if (exact) return [resolvedEntry(exact)];
  if (explicitSmtp || textToResolve.length === 0) return [];
  // The model lists lists and contacts only through its records; read, never mutated.
  const candidates = tenant.toJSON();
  const startsWithText = (values: (string | undefined)[]) =>
    values.some((value) => value !== undefined && value.toLowerCase().split(/[\s@.]+/).some((word) => word.startsWith(textToResolve)));
  const mailboxMatches = (m: StoredMailbox) => startsWithText([m.address, ...m.aliases, m.displayName]);
  return [
    ...candidates.mailboxes.filter(mailboxMatches).map((m) => resolvedEntry({ kind: 'mailbox', mailbox: m })),
    ...candidates.groups.filter((g) => startsWithText([g.address, g.displayName])).map((g) => resolvedEntry({ kind: 'group', group: g })),
    ...candidates.contacts.filter((c) => startsWithText([c.address, c.displayName])).map((c) => resolvedEntry({ kind: 'contact', contact: c })),
  ].sort((a, b) => a.name.localeCompare(b.name));
}

function resolutionElement(resolved: Resolved, fullContactData: boolean): XmlNode {
  return {
    't:Mailbox': mailboxElement(resolved),
    ...(fullContactData
      ? { 't:Contact': { 't:DisplayName': resolved.name, 't:EmailAddresses': { 't:Entry': { '@_Key': 'EmailAddress1', '#text': `SMTP:${resolved.address}` } } } }
      : {}),
  };
}

export function resolveNames(context: OperationContext, body: XmlNode): ResponseMessage[] {
  const unresolved = childText(body, 'UnresolvedEntry') ?? '';
  const fullContactData = attribute(body, 'ReturnFullContactData')?.toLowerCase() === 'true';
  return [
    responseFor(() => {
      const found = resolveName(context.tenant, unresolved).slice(0, MAX_RESOLUTIONS);
      if (found.length === 0) throw new EwsResponseError('ErrorNameResolutionNoResults', 'No results were found.');
      const multiple = found.length > 1;
      return {
        responseClass: multiple ? 'Warning' : 'Success',
        responseCode: multiple ? 'ErrorNameResolutionMultipleResults' : 'NoError',
        ...(multiple ? { messageText: 'Multiple results were found.' } : {}),
        payload: {
          'm:ResolutionSet': {
            '@_TotalItemsInView': String(found.length),
            '@_IncludesLastItemInRange': 'true',
            't:Resolution': found.map((resolved) => resolutionElement(resolved, fullContactData)),
          },
        },
      };
    }),
  ];
}

/** One level of a list: nested lists come back as PublicDL for the client to expand in turn. */
export function expandDL(context: OperationContext, body: XmlNode): ResponseMessage[] {
  const address = childText(child(body, 'Mailbox'), 'EmailAddress') ?? '';
  return [
    responseFor(() => {
      const entry = context.tenant.resolveAddress(address);
      if (entry?.kind !== 'group') throw new EwsResponseError('ErrorNameResolutionNoResults', 'No results were found.');
      const members = entry.group.members.map((member): Resolved => {
        const resolved = context.tenant.resolveAddress(member);
        return resolved ? resolvedEntry(resolved) : { name: member, address: member, mailboxType: 'OneOff' };
      });
      return {
        responseClass: 'Success',
        responseCode: 'NoError',
        payload: {
          'm:DLExpansion': {
            '@_TotalItemsInView': String(members.length),
            '@_IncludesLastItemInRange': 'true',
            't:Mailbox': members.map(mailboxElement),
          },
        },
      };
    }),
  ];
}
