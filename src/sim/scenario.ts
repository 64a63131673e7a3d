import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { MessageId } from '../domain/message-id.js';
import { FaultPlan } from './faults.js';
import { isValidFolderPath } from './folders.js';
import { SimLimits } from './limits.js';
import { InvalidInput, parseOrThrow } from '../domain/issues.js';

/**
 * A JSON file that seeds a simulated tenant: its directory (users, shared mailboxes, lists,
 * external contacts) and its mail (deliveries, then forwards, then moves). The schema checks
 * the directory is consistent; where each message lands is checked while seeding
 * (`Tenant.fromScenario`), which names the scenario path of any placement it cannot make.
 */

const Address = z.email().toLowerCase();
const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'a domain like example.com');
const IsoDate = z.iso.datetime({ offset: true });
const FolderPath = z.string().trim().refine(isValidFolderPath, 'a folder path like "Inbox/Invoices" (no empty segments)');
/** A folder by well-known name ("junkemail") or by path ("Junk Email", "Inbox/Invoices"). */
const FolderRef = FolderPath;

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

export const ScenarioUser = z
  .object({
    address: Address.describe('primary SMTP address'),
    displayName: z.string().optional(),
    aliases: z.array(Address).default([]),
    kind: z.enum(['user', 'shared']).default('user'),
    folders: z.array(FolderPath).default([]).describe('extra folders, parents created as needed, e.g. "Inbox/Invoices"'),
  })
  .strict();
export type ScenarioUser = z.infer<typeof ScenarioUser>;

export const ScenarioGroup = z
  .object({
    address: Address,
    displayName: z.string().optional(),
    members: z.array(Address).describe('users, aliases, lists (nesting and cycles allowed) or external addresses'),
  })
  .strict();

export const ScenarioContact = z.object({ address: Address, displayName: z.string().optional() }).strict();

export const ScenarioDelivery = z
  .object({
    mailbox: Address,
    folder: FolderRef.default('inbox'),
    isRead: z.boolean().default(false),
  })
  .strict();

export const ScenarioAttachment = z
  .object({
    filename: z.string().min(1),
    contentType: z.string().default('application/octet-stream'),
    contentBase64: z.base64(),
  })
  .strict();

export const ScenarioMessage = z
  .object({
    messageId: MessageId,
    from: Address,
    to: z.array(Address).default([]),
    cc: z.array(Address).default([]),
    subject: z.string(),
    date: IsoDate,
    body: z.string().default(''),
    attachments: z.array(ScenarioAttachment).default([]),
    references: z.array(MessageId).default([]),
    inReplyTo: MessageId.optional(),
    deliveries: z
      .array(ScenarioDelivery)
      .optional()
      .describe("replaces the default delivery to the inbox of every mailbox the to/cc addresses reach"),
  })
  .strict();
export type ScenarioMessage = z.infer<typeof ScenarioMessage>;
export type ScenarioMessageInput = z.input<typeof ScenarioMessage>;

export const ScenarioMove = z
  .object({
    messageId: MessageId,
    mailbox: Address,
    folder: FolderRef.optional(),
    isRead: z.boolean().optional(),
  })
  .strict()
  .refine((move) => move.folder !== undefined || move.isRead !== undefined, 'a move names a folder, a read state, or both');

export const ScenarioForward = z
  .object({
    of: MessageId.describe('the forwarded message, which the forwarder must hold'),
    by: Address,
    messageId: MessageId.describe("the forward's own Message-ID"),
    to: z.array(Address).min(1),
    cc: z.array(Address).default([]),
    date: IsoDate,
    body: z.string().optional(),
  })
  .strict();
export type ScenarioForwardInput = z.input<typeof ScenarioForward>;

export const Scenario = z
  .object({
    tenantId: z.string().min(1),
    domains: z.array(Domain).min(1),
    users: z.array(ScenarioUser).default([]),
    groups: z.array(ScenarioGroup).default([]),
    contacts: z.array(ScenarioContact).default([]),
    messages: z.array(ScenarioMessage).default([]),
    forwards: z.array(ScenarioForward).default([]),
    moves: z.array(ScenarioMove).default([]),
    simulation: z
      .object({ faults: FaultPlan.optional(), limits: SimLimits.optional() })
      .strict()
      .optional()
      .describe("the simulated services' latency, injected faults and limits while this scenario is loaded"),
  })
  .strict()
  .superRefine((scenario, ctx) => {
    const domains = new Set(scenario.domains);
    const owners = new Map<string, string>();
    const claim = (address: string, owner: string, path: (string | number)[], internal: boolean) => {
      const previous = owners.get(address);
      if (previous) ctx.addIssue({ code: 'custom', path, message: `${address} is already used by ${previous}` });
      owners.set(address, owner);
      if (internal !== domains.has(domainOf(address))) {
        const message = internal
          ? `${address} is not in one of the tenant's domains (${scenario.domains.join(', ')})`
          : `${address} is in one of the tenant's domains: a contact is external`;
        ctx.addIssue({ code: 'custom', path, message });
      }
    };
    scenario.users.forEach((user, i) => {
      claim(user.address, `users.${i}`, ['users', i, 'address'], true);
      user.aliases.forEach((alias, j) => claim(alias, `users.${i}`, ['users', i, 'aliases', j], true));
    });
    scenario.groups.forEach((group, i) => claim(group.address, `groups.${i}`, ['groups', i, 'address'], true));
    scenario.contacts.forEach((contact, i) => claim(contact.address, `contacts.${i}`, ['contacts', i, 'address'], false));

    scenario.groups.forEach((group, i) =>
      group.members.forEach((member, j) => {
        if (domains.has(domainOf(member)) && !owners.has(member)) {
          ctx.addIssue({ code: 'custom', path: ['groups', i, 'members', j], message: `no user, alias or list has the address ${member}` });
        }
      }),
    );

    const messageIds = new Map<string, string>();
    const claimMessageId = (messageId: string, owner: string, path: (string | number)[]) => {
      const previous = messageIds.get(messageId);
      if (previous) ctx.addIssue({ code: 'custom', path, message: `Message-ID ${messageId} is already used by ${previous}` });
      messageIds.set(messageId, owner);
    };
    scenario.messages.forEach((message, i) => claimMessageId(message.messageId, `messages.${i}`, ['messages', i, 'messageId']));
    scenario.forwards.forEach((forward, i) => claimMessageId(forward.messageId, `forwards.${i}`, ['forwards', i, 'messageId']));
  });
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioInput = z.input<typeof Scenario>;

export class ScenarioError extends InvalidInput {}

export function parseScenario(raw: unknown, file?: string): Scenario {
  return parseOrThrow(Scenario, raw, 'scenario', file, ScenarioError);
}

export async function loadScenario(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ScenarioError(`cannot read scenario ${path}: ${(error as Error).message}`, path);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`scenario ${path} is not JSON: ${(error as Error).message}`, path);
  }
  return parseScenario(raw, path);
}
