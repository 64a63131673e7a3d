import { z } from 'zod';
import type { MessageView, Tenant } from '../model.js';
import { folderIdElement, CHANGE_KEY, hexTag, propertyTag } from './ids.js';
import { attribute, child, children, childText, type XmlNode } from './xml.js';

/** MAPI tags a client asks for as extended properties when it wants the raw header values. */
export const PR_INTERNET_MESSAGE_ID = 0x1035;
export const PR_INTERNET_REFERENCES = 0x1039;
export const PR_IN_REPLY_TO_ID = 0x1042;

const BaseShape = z.enum(['IdOnly', 'Default', 'AllProperties']);

type MessageField =
  | 'ItemId'
  | 'ParentFolderId'
  | 'ItemClass'
  | 'Subject'
  | 'DateTimeReceived'
  | 'InReplyTo'
  | 'DateTimeSent'
  | 'ConversationId'
  | 'ToRecipients'
  | 'CcRecipients'
  | 'From'
  | 'InternetMessageId'
  | 'IsRead'
  | 'References';

const DEFAULT_FIELDS: MessageField[] = ['ItemId', 'ParentFolderId', 'ItemClass', 'Subject', 'DateTimeReceived', 'DateTimeSent', 'ConversationId', 'From', 'InternetMessageId', 'IsRead'];

/** FieldURI values (`item:Subject`, `message:IsRead`) mapped to the elements they add. */
const FIELD_URIS: Record<string, MessageField> = {
  'item:ItemId': 'ItemId',
  'item:ParentFolderId': 'ParentFolderId',
  'item:ItemClass': 'ItemClass',
  'item:Subject': 'Subject',
  'item:DateTimeReceived': 'DateTimeReceived',
  'item:InReplyTo': 'InReplyTo',
  'item:DateTimeSent': 'DateTimeSent',
  'item:ConversationId': 'ConversationId',
  'message:ToRecipients': 'ToRecipients',
  'message:CcRecipients': 'CcRecipients',
  'message:From': 'From',
  'message:InternetMessageId': 'InternetMessageId',
  'message:IsRead': 'IsRead',
  'message:References': 'References',
};

const EXTENDED_TAGS = new Set([PR_INTERNET_MESSAGE_ID, PR_INTERNET_REFERENCES, PR_IN_REPLY_TO_ID]);

/** What an `ItemShape` asks for: named fields plus the extended properties this face knows. */
export interface ItemShape {
  fields: Set<MessageField>;
  extendedTags: number[];
  /** `IncludeMimeContent`, or `item:MimeContent` among the additional properties (how ews-javascript-api asks). */
  mimeContent: boolean;
}

export function parseItemShape(shape: XmlNode | undefined): ItemShape {
  const base = BaseShape.catch('IdOnly').parse(childText(shape, 'BaseShape'));
  const fields = new Set<MessageField>(base === 'IdOnly' ? ['ItemId'] : DEFAULT_FIELDS);
  if (base === 'AllProperties') (['InReplyTo', 'References', 'ToRecipients', 'CcRecipients'] as const).forEach((f) => fields.add(f));
  const additional = child(shape, 'AdditionalProperties');
  const fieldUris = children(additional, 'FieldURI').map((uri) => attribute(uri, 'FieldURI') ?? '');
  for (const uri of fieldUris) {
    const field = FIELD_URIS[uri];
    if (field) fields.add(field);
  }
  const extendedTags = children(additional, 'ExtendedFieldURI')
    .map(propertyTag)
    .filter((tag): tag is number => tag !== undefined && EXTENDED_TAGS.has(tag));
  const mimeContent = childText(shape, 'IncludeMimeContent')?.toLowerCase() === 'true' || fieldUris.includes('item:MimeContent');
  return { fields, extendedTags: [...new Set(extendedTags)], mimeContent };
}

function extendedValue(message: MessageView, tag: number): string | undefined {
  if (tag === PR_INTERNET_MESSAGE_ID) return message.internetMessageId;
  if (tag === PR_IN_REPLY_TO_ID) return message.inReplyTo;
  return message.references.length > 0 ? message.references.join(' ') : undefined;
}

/** A conversation is keyed by the thread's first Message-ID, as Exchange groups by its root. */
function conversationId(message: MessageView): string {
  return Buffer.from(message.references[0] ?? message.internetMessageId).toString('base64');
}

function displayNameOf(tenant: Tenant, address: string): string {
  const entry = tenant.resolveAddress(address);
  if (entry?.kind === 'mailbox') return entry.mailbox.displayName ?? address;
  if (entry?.kind === 'group') return entry.group.displayName ?? address;
  if (entry?.kind === 'contact') return entry.contact.displayName ?? address;
  return address;
}

function mailboxElement(tenant: Tenant, address: string): XmlNode {
  return { 't:Name': displayNameOf(tenant, address), 't:EmailAddress': address, 't:RoutingType': 'SMTP' };
}

/** An ArrayOfRecipientsType; callers leave the element out for an empty list, as Exchange does. */
function recipientsElement(tenant: Tenant, addresses: string[]): XmlNode {
  return { 't:Mailbox': addresses.map((address) => mailboxElement(tenant, address)) };
}

export function itemIdElement(message: MessageView): XmlNode {
  return { '@_Id': message.itemId, '@_ChangeKey': CHANGE_KEY };
}

/**
 * A `t:Message` with the shape's fields, in the element order types.xsd requires. `mime` is the
 * message's raw MIME when the shape asks for it (GetItem only; FindItem never returns it).
 */
export function messageElement(tenant: Tenant, message: MessageView, shape: ItemShape, mime?: Buffer): XmlNode {
  const has = (field: MessageField) => shape.fields.has(field);
  const extended = shape.extendedTags.flatMap((tag) => {
    const value = extendedValue(message, tag);
    return value === undefined ? [] : [{ 't:ExtendedFieldURI': { '@_PropertyTag': hexTag(tag), '@_PropertyType': 'String' }, 't:Value': value }];
  });
  return {
    ...(mime ? { 't:MimeContent': { '@_CharacterSet': 'UTF-8', '#text': mime.toString('base64') } } : {}),
    ...(has('ItemId') ? { 't:ItemId': itemIdElement(message) } : {}),
    ...(has('ParentFolderId') ? { 't:ParentFolderId': folderIdElement(message.folderId) } : {}),
    ...(has('ItemClass') ? { 't:ItemClass': 'IPM.Note' } : {}),
    ...(has('Subject') ? { 't:Subject': message.subject } : {}),
    ...(has('DateTimeReceived') ? { 't:DateTimeReceived': message.receivedAt } : {}),
    ...(has('InReplyTo') && message.inReplyTo ? { 't:InReplyTo': message.inReplyTo } : {}),
    ...(has('DateTimeSent') ? { 't:DateTimeSent': message.date } : {}),
    ...(extended.length > 0 ? { 't:ExtendedProperty': extended } : {}),
    ...(has('ConversationId') ? { 't:ConversationId': { '@_Id': conversationId(message) } } : {}),
    ...(has('ToRecipients') && message.to.length > 0 ? { 't:ToRecipients': recipientsElement(tenant, message.to) } : {}),
    ...(has('CcRecipients') && message.cc.length > 0 ? { 't:CcRecipients': recipientsElement(tenant, message.cc) } : {}),
    ...(has('From') ? { 't:From': { 't:Mailbox': mailboxElement(tenant, message.from) } } : {}),
    ...(has('InternetMessageId') ? { 't:InternetMessageId': message.internetMessageId } : {}),
    ...(has('IsRead') ? { 't:IsRead': String(message.isRead) } : {}),
    ...(has('References') && message.references.length > 0 ? { 't:References': message.references.join(' ') } : {}),
  };
}
