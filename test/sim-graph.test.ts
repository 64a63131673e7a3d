import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchRequestContent,
  BatchResponseContent,
  GraphError,
  PageIterator,
  ResponseType,
  RetryHandlerOptions,
  type Client,
} from '@microsoft/microsoft-graph-client';
import type { DirectoryObject, Group, MailFolder, Message, User } from '@microsoft/microsoft-graph-types';
import { simpleParser } from 'mailparser';
import { DEMO_ADDRESSES, DEMO_BENIGN_MESSAGE_ID, DEMO_DOMAIN, DEMO_FORWARD_ID, DEMO_MESSAGE_ID, demoScenario } from '../src/sim/demo.js';
import { createGraphFace, graphFace } from '../src/sim/graph/index.js';
import { Tenant } from '../src/sim/model.js';
import type { ScenarioInput } from '../src/sim/scenario.js';
import { startSimServer, type SimServer } from '../src/sim/server.js';
import { fetchFromSimulator, fetchGraphToken, graphClientFor } from './support/graph-client.js';

interface Collection<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

const a = DEMO_ADDRESSES;
/** For requests whose 429 or 5xx the test wants to see, instead of the SDK's own retries. */
const noRetries = [new RetryHandlerOptions(0, 0)];

/** OData string literal for a value that travels in a query: quotes doubled, then percent-encoded. */
function odataString(value: string): string {
  return `'${encodeURIComponent(value.replace(/'/g, "''"))}'`;
}

async function graphErrorOf(request: Promise<unknown>): Promise<GraphError> {
  const error = await request.then(
    () => assert.fail('the request should have failed'),
    (error: unknown) => error,
  );
  assert.ok(error instanceof GraphError, `a GraphError, got ${String(error)}`);
  return error;
}

async function allPages<T>(client: Client, first: Collection<T>): Promise<{ items: T[]; pages: number; nextLinks: string[] }> {
  const items: T[] = [];
  const nextLinks: string[] = [];
  let pages = 0;
  let current = first;
  for (;;) {
    pages++;
    items.push(...current.value);
    const next = current['@odata.nextLink'];
    if (!next) return { items, pages, nextLinks };
    nextLinks.push(next);
    current = (await client.api(next).get()) as Collection<T>;
  }
}

function findCopies(client: Client, mailbox: string, messageId: string): Promise<Collection<Message>> {
  return client
    .api(`/users/${mailbox}/messages`)
    .filter(`internetMessageId eq ${odataString(messageId)}`)
    .select('id,parentFolderId,conversationId,subject,internetMessageId,receivedDateTime,isRead')
    .get();
}

/** A message's MIME as a client exports it: the raw bytes of `$value`. */
async function exportMime(client: Client, mailbox: string, id: string): Promise<Buffer> {
  const response = (await client.api(`/users/${mailbox}/messages/${id}/$value`).responseType(ResponseType.RAW).get()) as Response;
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain');
  return Buffer.from(await response.arrayBuffer());
}

/** Creates a message from MIME as Graph takes it: base64 in a text/plain body. */
function postMime(client: Client, path: string, base64: string) {
  return client.api(path).header('Content-Type', 'text/plain').post(base64) as Promise<Message>;
}

/** Every message of every mailbox is in exactly one folder, and the folders hold nothing else. */
function assertEachMessageInOneFolder(tenant: Tenant): void {
  for (const mailbox of tenant.mailboxes()) {
    const seen = new Map<string, number>();
    const folders = [tenant.requireFolder(mailbox.id, 'msgfolderroot'), ...tenant.listFolders(mailbox.id, { includeHidden: true })];
    for (const folder of folders) {
      for (const message of tenant.messagesIn(mailbox.id, folder.id)) seen.set(message.immutableId, (seen.get(message.immutableId) ?? 0) + 1);
    }
    const all = tenant.messagesOf(mailbox.id);
    assert.equal(seen.size, all.length, `${mailbox.address}: every message is in a folder`);
    for (const message of all) assert.equal(seen.get(message.immutableId), 1, `${mailbox.address}: ${message.internetMessageId} is in one folder`);
  }
}

describe('Graph face over the demo tenant, through @microsoft/microsoft-graph-client', () => {
  let sim: SimServer;
  let client: Client;

  before(async () => {
    sim = await startSimServer({ tenant: Tenant.fromScenario(demoScenario), faces: [graphFace] });
    client = graphClientFor(sim);
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.context.tenant.current = Tenant.fromScenario(demoScenario);
    sim.context.faults.set({});
    sim.context.counters.reset();
  });

  test('the token endpoint issues bearer tokens for client credentials and refuses other grants', async () => {
    const ok = await fetchFromSimulator(sim, '/demo/oauth2/v2.0/token', {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'app', client_assertion: 'signed.jwt', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', scope: 'https://graph.microsoft.com/.default', grant_type: 'client_credentials' }),
    });
    const token = (await ok.json()) as { token_type: string; expires_in: number; access_token: string };
    assert.equal(ok.status, 200);
    assert.equal(token.token_type, 'Bearer');
    assert.ok(token.expires_in > 0 && token.access_token.length > 0);

    const password = await fetchFromSimulator(sim, '/demo/oauth2/v2.0/token', { method: 'POST', body: new URLSearchParams({ client_id: 'app', grant_type: 'password', scope: 'x' }) });
    assert.equal(password.status, 400);
    assert.equal(((await password.json()) as { error: string }).error, 'unsupported_grant_type');
  });

  test('a request without a token this tenant issued is 401 InvalidAuthenticationToken', async () => {
    const anonymous = await fetchFromSimulator(sim, `/v1.0/users/${a.alice}`);
    assert.equal(anonymous.status, 401);
    const body = (await anonymous.json()) as { error: { code: string; innerError: Record<string, string> } };
    assert.equal(body.error.code, 'InvalidAuthenticationToken');
    assert.ok(body.error.innerError['request-id'] && body.error.innerError.date);

    const forged = graphClientFor(sim, 'demo', async () => 'forged');
    const error = await graphErrorOf(forged.api(`/users/${a.alice}`).get());
    assert.deepEqual([error.statusCode, error.code], [401, 'InvalidAuthenticationToken']);
  });

  test('an alias resolves to its user through a proxyAddresses filter, in either prefix case', async () => {
    for (const proxy of [`smtp:${a.aliceAlias}`, `SMTP:${a.aliceAlias.toUpperCase()}`]) {
      const found: Collection<User> = await client
        .api('/users')
        .filter(`proxyAddresses/any(p:p eq ${odataString(proxy)})`)
        .select('id,userPrincipalName,mail,proxyAddresses')
        .get();
      assert.deepEqual(
        found.value.map((user) => [user.mail, user.proxyAddresses]),
        [[a.alice, [`SMTP:${a.alice}`, `smtp:${a.aliceAlias}`]]],
      );
    }
    const byMail: Collection<User> = await client.api('/users').filter(`mail eq '${a.bob}'`).get();
    assert.deepEqual(byMail.value.map((user) => user.userPrincipalName), [a.bob]);
    assert.equal(byMail.value[0]!.proxyAddresses, undefined, 'proxyAddresses only when selected');
    const byOtherMails: Collection<User> = await client.api('/users').filter(`otherMails/any(m:m eq '${a.bob}')`).get();
    assert.deepEqual(byOtherMails.value, []);
    const either: Collection<User> = await client
      .api('/users')
      .filter(`mail eq '${a.carol}' or (proxyAddresses/any(p:p eq 'smtp:${a.aliceAlias}'))`)
      .get();
    assert.deepEqual(either.value.map((user) => user.mail).sort(), [a.alice, a.carol]);
    const unsupported = await graphErrorOf(client.api('/users').filter("jobTitle eq 'CFO'").get());
    assert.deepEqual([unsupported.statusCode, unsupported.code], [400, 'BadRequest']);
  });

  test('a user is found by principal name or id, but not by alias', async () => {
    const alice: User = await client.api(`/users/${a.alice}`).get();
    assert.equal(alice.mail, a.alice);
    const byId: User = await client.api(`/users/${alice.id}`).select('displayName').get();
    assert.deepEqual([byId.id, byId.displayName, byId.mail], [alice.id, 'Alice Smith', undefined]);
    const error = await graphErrorOf(client.api(`/users/${a.aliceAlias}`).get());
    assert.deepEqual([error.statusCode, error.code], [404, 'Request_ResourceNotFound']);
    const noMailbox = await graphErrorOf(client.api(`/users/nobody@${DEMO_DOMAIN}/messages`).get());
    assert.deepEqual([noMailbox.statusCode, noMailbox.code], [404, 'ErrorInvalidUser']);
  });

  test('a list is found by address and its transitive members come once each, despite the cycle', async () => {
    const lists: Collection<Group> = await client.api('/groups').filter(`mail eq '${a.allStaff}'`).get();
    assert.equal(lists.value.length, 1);
    const members: Collection<DirectoryObject & { mail?: string }> = await client.api(`/groups/${lists.value[0]!.id}/transitiveMembers`).get();
    const byType = members.value.map((member) => `${member['@odata.type' as keyof DirectoryObject] as string} ${member.mail}`).sort();
    assert.deepEqual(byType, [`#microsoft.graph.group ${a.teamEng}`, `#microsoft.graph.user ${a.alice}`, `#microsoft.graph.user ${a.bob}`, `#microsoft.graph.user ${a.carol}`]);
    const missing = await graphErrorOf(client.api('/groups/grp-999/transitiveMembers').get());
    assert.deepEqual([missing.statusCode, missing.code], [404, 'Request_ResourceNotFound']);
  });

  test('find by Message-ID spans the mailbox and matches an id with + & # and a quote', async () => {
    const awkwardId = "<o'brien+tag&x#1%2@billing.example>";
    sim.context.tenant.current.deliver({ messageId: awkwardId, from: a.attacker, to: [a.bob], subject: 'awkward', date: '2026-12-01T10:00:00Z' });

    const awkward = await findCopies(client, a.bob, awkwardId);
    assert.deepEqual(awkward.value.map((message) => message.internetMessageId), [awkwardId]);
    // The domain of a Message-ID is case-insensitive.
    assert.equal((await findCopies(client, a.bob, awkwardId.replace('billing', 'Billing'))).value.length, 1);

    const carol = await findCopies(client, a.carol, DEMO_MESSAGE_ID);
    const invoices: Collection<MailFolder> = await client.api(`/users/${a.carol}/mailFolders/inbox/childFolders`).get();
    assert.deepEqual(carol.value.map((message) => message.parentFolderId), [invoices.value[0]!.id]);
  });

  test('a message is read with its headers when selected, and marked read with PATCH', async () => {
    const [copy] = (await findCopies(client, a.alice, DEMO_MESSAGE_ID)).value;
    const message: Message = await client
      .api(`/users/${a.alice}/messages/${copy!.id}`)
      .select('id,isRead,parentFolderId,internetMessageId,subject,receivedDateTime,conversationId,internetMessageHeaders')
      .get();
    assert.equal(message.isRead, false);
    assert.equal(message.subject, 'Overdue invoice 4471');
    assert.ok(message.internetMessageHeaders?.some((header) => header.name === 'Message-ID' && header.value === DEMO_MESSAGE_ID));
    const unselected: Message = await client.api(`/users/${a.alice}/messages/${copy!.id}`).get();
    assert.equal(unselected.internetMessageHeaders, undefined);

    const patched: Message = await client.api(`/users/${a.alice}/messages/${copy!.id}`).patch({ isRead: true });
    assert.equal(patched.isRead, true);
    const malformed = await graphErrorOf(client.api(`/users/${a.alice}/messages/not-an-id`).get());
    assert.deepEqual([malformed.statusCode, malformed.code], [400, 'ErrorInvalidIdMalformed']);
  });

  test('a forward is found in the sender\'s Sent Items by conversationId', async () => {
    const [original] = (await findCopies(client, a.alice, DEMO_MESSAGE_ID)).value;
    const sent: Collection<Message> = await client
      .api(`/users/${a.alice}/mailFolders/sentitems/messages`)
      .filter(`conversationId eq '${original!.conversationId}'`)
      .select('id,subject,internetMessageId')
      .get();
    assert.deepEqual(sent.value.map((message) => message.internetMessageId), [DEMO_FORWARD_ID]);
  });

  test('a move answers 201 with a new id, and the old id is then not found', async () => {
    const [copy] = (await findCopies(client, a.bob, DEMO_MESSAGE_ID)).value;
    const response = (await client.api(`/users/${a.bob}/messages/${copy!.id}/move`).responseType(ResponseType.RAW).post({ destinationId: 'junkemail' })) as Response;
    assert.equal(response.status, 201);
    const moved = (await response.json()) as Message;
    assert.notEqual(moved.id, copy!.id);
    assert.equal(moved.internetMessageId, DEMO_MESSAGE_ID);
    const junk: MailFolder = await client.api(`/users/${a.bob}/mailFolders/junkemail`).get();
    assert.equal(moved.parentFolderId, junk.id);

    const gone = await graphErrorOf(client.api(`/users/${a.bob}/messages/${copy!.id}`).get());
    assert.deepEqual([gone.statusCode, gone.code], [404, 'ErrorItemNotFound']);
    const again: Message = await client.api(`/users/${a.bob}/messages/${moved.id}`).get();
    assert.equal(again.parentFolderId, junk.id);
  });

  test('with Prefer: IdType="ImmutableId" a message keeps its id across moves', async () => {
    const prefer = 'IdType="ImmutableId"';
    const found: Collection<Message> = await client
      .api(`/users/${a.bob}/messages`)
      .header('Prefer', prefer)
      .filter(`internetMessageId eq ${odataString(DEMO_MESSAGE_ID)}`)
      .get();
    const id = found.value[0]!.id!;
    const moved: Message = await client.api(`/users/${a.bob}/messages/${id}/move`).header('Prefer', prefer).post({ destinationId: 'archive' });
    assert.equal(moved.id, id);
    const again: Message = await client.api(`/users/${a.bob}/messages/${id}`).header('Prefer', prefer).get();
    assert.equal(again.parentFolderId, moved.parentFolderId);
  });

  test('$value exports a message as MIME, labelled text/plain, through the same limits and faults as other reads', async () => {
    const [copy] = (await findCopies(client, a.alice, DEMO_MESSAGE_ID)).value;
    const parsed = await simpleParser(await exportMime(client, a.alice, copy!.id!));
    assert.equal(parsed.messageId, DEMO_MESSAGE_ID);
    assert.equal(parsed.subject, 'Overdue invoice 4471');
    assert.deepEqual(
      parsed.attachments.map((attachment) => [attachment.filename, attachment.contentType, attachment.content.toString()]),
      [['invoice-4471.html', 'text/html', '<form action="https://billing-portal.example/pay"><input name="password"></form>']],
    );
    assert.equal(sim.context.counters.snapshot().requests['graph.messages.mime'], 1);

    sim.context.faults.set({ faults: [{ operation: 'graph.messages.mime', kind: 'status', status: 503, times: 1 }] });
    const unavailable = await graphErrorOf(client.api(`/users/${a.alice}/messages/${copy!.id}/$value`).middlewareOptions(noRetries).get());
    assert.deepEqual([unavailable.statusCode, unavailable.code], [503, 'ServiceUnavailable']);
    const missing = await graphErrorOf(client.api(`/users/${a.alice}/messages/itm-999999/$value`).get());
    assert.deepEqual([missing.statusCode, missing.code], [404, 'ErrorItemNotFound']);
  });

  test('MIME posted to another mailbox\'s folder becomes a read draft there, found by internetMessageId, exporting the same bytes', async () => {
    const [original] = (await findCopies(client, a.alice, DEMO_MESSAGE_ID)).value;
    const raw = await exportMime(client, a.alice, original!.id!);
    const response = (await client
      .api(`/users/${a.dave}/mailFolders/inbox/messages`)
      .header('Content-Type', 'text/plain')
      .responseType(ResponseType.RAW)
      .post(raw.toString('base64'))) as Response;
    assert.equal(response.status, 201);
    const created = (await response.json()) as Message;
    const inbox: MailFolder = await client.api(`/users/${a.dave}/mailFolders/inbox`).get();
    assert.deepEqual(
      [created.parentFolderId, created.internetMessageId, created.subject, created.isDraft, created.isRead, created.hasAttachments],
      [inbox.id, DEMO_MESSAGE_ID, 'Overdue invoice 4471', true, true, true],
    );
    assert.deepEqual((await findCopies(client, a.dave, DEMO_MESSAGE_ID)).value.map((message) => message.id), [created.id]);
    assert.deepEqual(await exportMime(client, a.dave, created.id!), raw);
  });

  test('MIME posted to a user\'s messages lands in Drafts, with a Message-ID assigned when it has none', async () => {
    const mime = `From: ${a.dave}\r\nTo: ${a.bob}\r\nSubject: Lunch?\r\nDate: Tue, 01 Dec 2026 12:00:00 +0000\r\n\r\nNoon at the usual place.\r\n`;
    const draft = await postMime(client, `/users/${a.dave}/messages`, Buffer.from(mime).toString('base64'));
    const drafts: MailFolder = await client.api(`/users/${a.dave}/mailFolders/drafts`).get();
    assert.deepEqual([draft.parentFolderId, draft.subject, draft.isDraft, draft.hasAttachments], [drafts.id, 'Lunch?', true, false]);
    assert.match(draft.internetMessageId!, new RegExp(`^<[^@>]+@${DEMO_DOMAIN.replace(/\./g, '\\.')}>$`));
    assert.deepEqual((await findCopies(client, a.dave, draft.internetMessageId!)).value.map((message) => message.id), [draft.id]);
  });

  test('bad base64, MIME without a From and a JSON body are refused with Graph\'s 400 bodies, and nothing is created', async () => {
    const tenant = sim.context.tenant.current;
    const messageCount = () => tenant.mailboxes().reduce((sum, mailbox) => sum + tenant.messagesOf(mailbox.id).length, 0);
    const before = messageCount();

    const notBase64 = await graphErrorOf(postMime(client, `/users/${a.dave}/messages`, 'this is not base64!'));
    assert.deepEqual([notBase64.statusCode, notBase64.code, notBase64.message], [400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.']);
    assert.ok(notBase64.requestId, 'the error body carries innerError');

    const noFrom = Buffer.from(`To: ${a.dave}\r\nSubject: who sent this?\r\n\r\nbody\r\n`).toString('base64');
    const withoutFrom = await graphErrorOf(postMime(client, `/users/${a.dave}/mailFolders/inbox/messages`, noFrom));
    assert.deepEqual([withoutFrom.statusCode, withoutFrom.code], [400, 'ErrorMimeContentInvalid']);

    const json = await graphErrorOf(client.api(`/users/${a.dave}/messages`).post({ subject: 'Lunch?' }));
    assert.equal(json.statusCode, 400);
    assert.match(json.message, /MIME/);
    assert.equal(messageCount(), before);
  });

  test('permanentDelete removes a copy for good: not in any folder, not even Recoverable Items', async () => {
    const [copy] = (await findCopies(client, a.bob, DEMO_MESSAGE_ID)).value;
    const response = (await client.api(`/users/${a.bob}/messages/${copy!.id}/permanentDelete`).responseType(ResponseType.RAW).post(undefined)) as Response;
    assert.equal(response.status, 204);
    const placements = sim.context.tenant.current.locate(DEMO_MESSAGE_ID);
    assert.ok(!placements.some((placement) => placement.mailbox === a.bob));
    assert.ok(placements.some((placement) => placement.mailbox === a.alice), "the other mailboxes' copies stay");
    const gone = await graphErrorOf(client.api(`/users/${a.bob}/messages/${copy!.id}`).get());
    assert.deepEqual([gone.statusCode, gone.code], [404, 'ErrorItemNotFound']);
    const recoverable: Collection<Message> = await client.api(`/users/${a.bob}/mailFolders/recoverableitemsdeletions/messages`).get();
    assert.deepEqual(recoverable.value, []);
  });

  test('the last verb executed (0x1081) reads 104 on Alice\'s copy after her forward, with its time, and is absent elsewhere', async () => {
    const lastVerb = "singleValueExtendedProperties($filter=id eq 'Integer 0x1081')";
    const [copy] = (await findCopies(client, a.alice, DEMO_MESSAGE_ID)).value;
    const message: Message = await client
      .api(`/users/${a.alice}/messages/${copy!.id}`)
      .expand("singleValueExtendedProperties($filter=id eq 'Integer 0x1081' or id eq 'SystemTime 0x1082')")
      .select('id,subject')
      .get();
    assert.deepEqual(message.singleValueExtendedProperties, [
      { id: 'Integer 0x1081', value: '104' },
      { id: 'SystemTime 0x1082', value: '2026-12-01T09:31:00Z' },
    ]);
    assert.equal(message.body, undefined, '$select still applies');

    const alices: Collection<Message> = await client.api(`/users/${a.alice}/messages`).expand(lastVerb).select('internetMessageId').get();
    assert.deepEqual(
      Object.fromEntries(alices.value.map((listed) => [listed.internetMessageId, listed.singleValueExtendedProperties])),
      { [DEMO_MESSAGE_ID]: [{ id: 'Integer 0x1081', value: '104' }], [DEMO_FORWARD_ID]: undefined, [DEMO_BENIGN_MESSAGE_ID]: undefined },
    );
    for (const mailbox of [a.bob, a.carol, a.finance]) {
      const copies: Collection<Message> = await client
        .api(`/users/${mailbox}/messages`)
        .filter(`internetMessageId eq ${odataString(DEMO_MESSAGE_ID)}`)
        .expand(lastVerb)
        .get();
      assert.deepEqual(copies.value.map((listed) => listed.singleValueExtendedProperties), [undefined], `${mailbox} forwarded nothing`);
    }
    const refused = await graphErrorOf(client.api(`/users/${a.alice}/messages/${copy!.id}`).expand('attachments').get());
    assert.deepEqual([refused.statusCode, refused.code], [400, 'BadRequest']);
  });

  test('a forward names the original in its internetMessageHeaders, which forward detection reads', async () => {
    const sent: Collection<Message> = await client
      .api(`/users/${a.alice}/mailFolders/sentitems/messages`)
      .select('internetMessageId,internetMessageHeaders')
      .get();
    const headers = new Map(sent.value[0]!.internetMessageHeaders!.map((header) => [header.name, header.value]));
    assert.equal(sent.value[0]!.internetMessageId, DEMO_FORWARD_ID);
    assert.deepEqual([headers.get('Message-ID'), headers.get('In-Reply-To'), headers.get('References')], [DEMO_FORWARD_ID, DEMO_MESSAGE_ID, DEMO_MESSAGE_ID]);
  });

  test('an unknown path under /v1.0 is a Graph error, not a bare 404', async () => {
    const error = await graphErrorOf(client.api(`/users/${a.bob}/calendars`).get());
    assert.deepEqual([error.statusCode, error.code], [400, 'BadRequest']);
  });

  test('a soft delete lands in Recoverable Items, which /messages does not reach', async () => {
    const [copy] = (await findCopies(client, a.bob, DEMO_MESSAGE_ID)).value;
    const response = (await client.api(`/users/${a.bob}/messages/${copy!.id}`).responseType(ResponseType.RAW).delete()) as Response;
    assert.equal(response.status, 204);
    assert.deepEqual((await findCopies(client, a.bob, DEMO_MESSAGE_ID)).value, []);
    const recoverable: Collection<Message> = await client
      .api(`/users/${a.bob}/mailFolders/recoverableitemsdeletions/messages`)
      .filter(`internetMessageId eq ${odataString(DEMO_MESSAGE_ID)}`)
      .get();
    assert.equal(recoverable.value.length, 1);
  });

  test('folders: one level per call, hidden ones on request, hidden creation and 409 on a duplicate', async () => {
    const visible: Collection<MailFolder> = await client.api(`/users/${a.carol}/mailFolders`).get();
    assert.ok(visible.value.some((folder) => folder.displayName === 'Inbox'));
    assert.ok(!visible.value.some((folder) => folder.displayName === 'Invoices'), 'one level only');
    assert.ok(!visible.value.some((folder) => folder.isHidden));

    const inbox = visible.value.find((folder) => folder.displayName === 'Inbox')!;
    assert.equal(inbox.childFolderCount, 1);
    const children: Collection<MailFolder> = await client.api(`/users/${a.carol}/mailFolders/${inbox.id}/childFolders`).get();
    assert.deepEqual(children.value.map((folder) => [folder.displayName, folder.totalItemCount, folder.unreadItemCount]), [['Invoices', 1, 1]]);

    const response = (await client.api(`/users/${a.carol}/mailFolders`).responseType(ResponseType.RAW).post({ displayName: 'Quarantine', isHidden: true })) as Response;
    assert.equal(response.status, 201);
    const quarantine = (await response.json()) as MailFolder;
    assert.equal(quarantine.isHidden, true);

    const stillVisible: Collection<MailFolder> = await client.api(`/users/${a.carol}/mailFolders`).get();
    assert.ok(!stillVisible.value.some((folder) => folder.id === quarantine.id));
    const withHidden: Collection<MailFolder> = await client.api(`/users/${a.carol}/mailFolders`).query({ includeHiddenFolders: 'true' }).get();
    assert.ok(withHidden.value.some((folder) => folder.id === quarantine.id));

    const duplicate = await graphErrorOf(client.api(`/users/${a.carol}/mailFolders`).post({ displayName: 'quarantine' }));
    assert.deepEqual([duplicate.statusCode, duplicate.code], [409, 'ErrorFolderExists']);
    const child: MailFolder = await client.api(`/users/${a.carol}/mailFolders/inbox/childFolders`).post({ displayName: 'Suspicious' });
    assert.equal(child.parentFolderId, inbox.id);
    const malformed = await graphErrorOf(client.api(`/users/${a.carol}/mailFolders/Inbox%2FInvoices`).get());
    assert.deepEqual([malformed.statusCode, malformed.code], [400, 'ErrorInvalidIdMalformed']);
  });

  test('moving every copy to quarantine and back leaves each message in exactly one folder, where it was', async () => {
    const tenant = sim.context.tenant.current;
    const before = new Map(tenant.locate(DEMO_MESSAGE_ID).map((placement) => [placement.immutableId, placement.folderId]));
    for (const mailbox of [a.alice, a.bob, a.carol, a.finance]) {
      const quarantine: MailFolder = await client.api(`/users/${mailbox}/mailFolders`).post({ displayName: 'Quarantine', isHidden: true });
      for (const copy of (await findCopies(client, mailbox, DEMO_MESSAGE_ID)).value) {
        const pulled: Message = await client.api(`/users/${mailbox}/messages/${copy.id}/move`).post({ destinationId: quarantine.id });
        assert.equal(pulled.parentFolderId, quarantine.id);
        assertEachMessageInOneFolder(tenant);
        const restored: Message = await client.api(`/users/${mailbox}/messages/${pulled.id}/move`).post({ destinationId: copy.parentFolderId });
        assert.equal(restored.parentFolderId, copy.parentFolderId);
      }
    }
    const after = new Map(tenant.locate(DEMO_MESSAGE_ID).map((placement) => [placement.immutableId, placement.folderId]));
    assert.deepEqual(after, before);
    assertEachMessageInOneFolder(tenant);
  });

  test('$batch: inner requests answer on their own, a throttled move carries Retry-After, and its dependent gets 424', async () => {
    sim.context.faults.set({ faults: [{ operation: 'graph.messages.move', kind: 'throttle', retryAfterMs: 2000, times: 1 }] });
    const [aliceCopy] = (await findCopies(client, a.alice, DEMO_MESSAGE_ID)).value;
    const [bobCopy] = (await findCopies(client, a.bob, DEMO_MESSAGE_ID)).value;
    const move = (mailbox: string, id: string) =>
      new Request(`${sim.url}/users/${mailbox}/messages/${id}/move`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ destinationId: 'junkemail' }) });
    // The SDK accepts only parallel, serial or same-root dependencies; this one is serial.
    const batch = new BatchRequestContent([
      { id: '1', request: new Request(`${sim.url}/users/${a.carol}/mailFolders/inbox`) },
      { id: '2', request: move(a.alice, aliceCopy!.id!), dependsOn: ['1'] },
      { id: '3', request: move(a.bob, bobCopy!.id!), dependsOn: ['2'] },
    ]);
    const responses = new BatchResponseContent(await client.api('/$batch').post(await batch.getContent()));

    assert.equal(responses.getResponseById('1').status, 200);
    const throttled = responses.getResponseById('2');
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('Retry-After'), '2');
    assert.equal(((await throttled.json()) as { error: { code: string } }).error.code, 'ApplicationThrottled');
    assert.equal(responses.getResponseById('3').status, 424);
    assert.equal(sim.context.counters.snapshot().throttles['graph.messages.move'], 1);

    const retried = new BatchRequestContent([
      { id: 'a', request: move(a.alice, aliceCopy!.id!) },
      { id: 'b', request: move(a.bob, bobCopy!.id!) },
    ]);
    const retriedResponses = new BatchResponseContent(await client.api('/$batch').post(await retried.getContent()));
    for (const [id, original] of [['a', aliceCopy!], ['b', bobCopy!]] as const) {
      const response = retriedResponses.getResponseById(id);
      assert.equal(response.status, 201);
      const moved = (await response.json()) as Message;
      assert.notEqual(moved.id, original.id);
    }
  });

  test('$batch refuses 21 requests, repeated ids and a body without Content-Type, as a whole', async () => {
    const get = (id: string) => ({ id, method: 'GET', url: `/users/${a.alice}` });
    const tooMany = await graphErrorOf(client.api('/$batch').post({ requests: Array.from({ length: 21 }, (_, i) => get(String(i))) }));
    assert.equal(tooMany.statusCode, 400);
    const repeated = await graphErrorOf(client.api('/$batch').post({ requests: [get('1'), get('1')] }));
    assert.equal(repeated.statusCode, 400);
    const untyped = await graphErrorOf(client.api('/$batch').post({ requests: [{ id: '1', method: 'PATCH', url: '/users/x/messages/itm-1', body: { isRead: true } }] }));
    assert.equal(untyped.statusCode, 400);
    const twenty = await client.api('/$batch').post({ requests: Array.from({ length: 20 }, (_, i) => get(String(i))) });
    assert.equal(twenty.responses.length, 20);
  });

  test('a fifth concurrent request on one mailbox is throttled with Retry-After; other mailboxes are not', async () => {
    sim.context.faults.set({ latency: [{ operation: 'graph.messages.get', minMs: 400, maxMs: 400 }] });
    const [aliceCopy] = (await findCopies(client, a.alice, DEMO_MESSAGE_ID)).value;
    const [bobCopy] = (await findCopies(client, a.bob, DEMO_MESSAGE_ID)).value;
    const get = (mailbox: string, id: string) => client.api(`/users/${mailbox}/messages/${id}`).middlewareOptions(noRetries).get() as Promise<Message>;
    const outcomes = await Promise.allSettled([...Array.from({ length: 5 }, () => get(a.alice, aliceCopy!.id!)), get(a.bob, bobCopy!.id!)]);

    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome as PromiseRejectedResult).reason as GraphError);
    assert.equal(rejected.length, 1);
    assert.deepEqual([rejected[0]!.statusCode, rejected[0]!.code], [429, 'ApplicationThrottled']);
    assert.match(rejected[0]!.message, /MailboxConcurrency/);
    assert.ok(Number(rejected[0]!.headers?.get('Retry-After')) >= 1);
    assert.equal(outcomes[5]!.status, 'fulfilled', "bob's mailbox has its own slots");
  });

  test('a fault-plan throttle is retried by the SDK after Retry-After; a 503 and a reset reach the caller', async () => {
    sim.context.faults.set({ faults: [{ operation: 'graph.users.get', kind: 'throttle', retryAfterMs: 1000, times: 1 }] });
    const alice: User = await client.api(`/users/${a.alice}`).get();
    assert.equal(alice.mail, a.alice);
    const counters = sim.context.counters.snapshot();
    assert.deepEqual([counters.requests['graph.users.get'], counters.throttles['graph.users.get']], [2, 1]);

    sim.context.faults.set({ faults: [{ operation: 'graph.users.get', kind: 'status', status: 503, times: 1 }] });
    const unavailable = await graphErrorOf(client.api(`/users/${a.alice}`).middlewareOptions(noRetries).get());
    assert.deepEqual([unavailable.statusCode, unavailable.code], [503, 'ServiceUnavailable']);

    sim.context.faults.set({ faults: [{ operation: 'graph.users.get', kind: 'reset', times: 1 }] });
    await assert.rejects(client.api(`/users/${a.alice}`).get());
    assert.equal(((await client.api(`/users/${a.alice}`).get()) as User).mail, a.alice);
  });
});

const BIG_DOMAIN = 'big.clawback.test';
const bigUser = (n: number) => `user${String(n).padStart(2, '0')}@${BIG_DOMAIN}`;
const bigScenario: ScenarioInput = {
  tenantId: 'big',
  domains: [BIG_DOMAIN],
  users: Array.from({ length: 25 }, (_, i) => ({ address: bigUser(i + 1) })),
  groups: [
    { address: `everyone@${BIG_DOMAIN}`, members: [...Array.from({ length: 25 }, (_, i) => bigUser(i + 1)), `inner@${BIG_DOMAIN}`, 'partner@outside.example'] },
    { address: `inner@${BIG_DOMAIN}`, members: [`everyone@${BIG_DOMAIN}`, bigUser(1)] },
  ],
  contacts: [{ address: 'partner@outside.example', displayName: 'Partner' }],
  messages: Array.from({ length: 23 }, (_, i) => ({
    messageId: `<bulk-${i}@sender.example>`,
    from: 'news@sender.example',
    to: [bigUser(1)],
    subject: `Bulk ${i}`,
    date: new Date(Date.UTC(2026, 11, 1, 8, i)).toISOString(),
  })),
};

describe('Graph face paging and limits over a larger tenant', () => {
  let sim: SimServer;
  let client: Client;

  before(async () => {
    sim = await startSimServer({ tenant: Tenant.fromScenario(bigScenario), faces: [createGraphFace({ mailboxLimits: { requestsPerWindow: 5, windowMs: 60_000 } })] });
    client = graphClientFor(sim, 'big');
  });
  after(() => sim.close());

  test('users page by 10 with absolute next links the SDK follows verbatim', async () => {
    const { items, pages, nextLinks } = await allPages<User>(client, await client.api('/users').select('id,mail').get());
    assert.equal(pages, 3);
    assert.equal(new Set(items.map((user) => user.mail)).size, 25);
    assert.ok(nextLinks.every((link) => link.startsWith(`${sim.url}/v1.0/users?`)));

    const iterated: string[] = [];
    await new PageIterator(client, await client.api('/users').top(4).get(), (user: User) => {
      iterated.push(user.mail!);
      return true;
    }).iterate();
    assert.equal(iterated.length, 25);
  });

  test('messages page by $top within the filter, and $top outside 1–1000 is refused', async () => {
    const first: Collection<Message> = await client.api(`/users/${bigUser(1)}/messages`).top(7).select('id,receivedDateTime').get();
    const { items, pages } = await allPages(client, first);
    assert.deepEqual([pages, items.length, new Set(items.map((message) => message.id)).size], [4, 23, 23]);
    const received = items.map((message) => message.receivedDateTime!);
    assert.deepEqual(received, [...received].sort().reverse(), 'newest first');
    const refused = await graphErrorOf(client.api(`/users/${bigUser(1)}/messages`).top(0).get());
    assert.equal(refused.statusCode, 400);
  });

  test('transitive members of a cyclic list page through users, the nested list and the contact, each once', async () => {
    const lists: Collection<Group> = await client.api('/groups').filter(`mail eq 'everyone@${BIG_DOMAIN}'`).get();
    const { items, pages } = await allPages<DirectoryObject & { mail?: string }>(client, await client.api(`/groups/${lists.value[0]!.id}/transitiveMembers`).get());
    assert.equal(pages, 3);
    const types = items.map((member) => (member as Record<string, unknown>)['@odata.type']);
    assert.deepEqual(
      [types.filter((t) => t === '#microsoft.graph.user').length, types.filter((t) => t === '#microsoft.graph.group').length, types.filter((t) => t === '#microsoft.graph.orgContact').length],
      [25, 1, 1],
    );
    assert.equal(new Set(items.map((member) => member.id)).size, items.length);
  });

  test('a mailbox over its request budget is throttled until the window ends; other mailboxes are not', async () => {
    const get = (mailbox: string) => client.api(`/users/${mailbox}/mailFolders/inbox`).middlewareOptions(noRetries).get() as Promise<MailFolder>;
    for (let i = 0; i < 5; i++) await get(bigUser(2));
    const over = await graphErrorOf(get(bigUser(2)));
    assert.deepEqual([over.statusCode, over.code], [429, 'ApplicationThrottled']);
    assert.ok(Number(over.headers?.get('Retry-After')) > 1);
    assert.equal((await get(bigUser(3))).displayName, 'Inbox');
    assert.ok((await fetchGraphToken(sim, 'big')).length > 0);
  });
});
