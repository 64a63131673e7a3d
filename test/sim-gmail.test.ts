import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import https from 'node:https';
import { Readable } from 'node:stream';
import { Auth, google, type admin_directory_v1, type gmail_v1 } from 'googleapis';
import { simpleParser } from 'mailparser';
import { startSimServer, type SimServer } from '../src/sim/server.js';
import { Tenant } from '../src/sim/model.js';
import { demoScenario, DEMO_ADDRESSES, DEMO_BENIGN_MESSAGE_ID, DEMO_FORWARD_ID, DEMO_MESSAGE_ID } from '../src/sim/demo.js';
import { createGmailFace, gmailFace } from '../src/sim/gmail/index.js';
import type { GoogleErrorBody } from '../src/sim/gmail/errors.js';
import { fetchFromSimulator } from './support/graph-client.js';

const SERVICE_ACCOUNT = 'clawback@clawback-test.iam.gserviceaccount.com';
const SCOPES = ['https://mail.google.com/', 'https://www.googleapis.com/auth/admin.directory.group.member.readonly'];
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const serviceAccountKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/**
 * The real client stack: google-auth-library's JWT client for domain-wide delegation, its
 * transporter trusting the simulator's CA and sending gtoken's fixed token URL to the
 * simulator's `/token`; Gmail and Directory clients pointed at the simulator by `rootUrl`.
 */
function googleClients(sim: SimServer, subject: string): { gmail: gmail_v1.Gmail; admin: admin_directory_v1.Admin; auth: Auth.JWT } {
  const auth = new google.auth.JWT({
    email: SERVICE_ACCOUNT,
    key: serviceAccountKey,
    scopes: SCOPES,
    subject,
    transporterOptions: { agent: new https.Agent({ ca: sim.caCert }) },
  });
  auth.transporter.interceptors.request.add({
    resolved: async (config) => {
      if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL('/token', sim.url);
      return config;
    },
  });
  const rootUrl = `${sim.url}/`;
  return { gmail: google.gmail({ version: 'v1', auth, rootUrl }), admin: google.admin({ version: 'directory_v1', auth, rootUrl }), auth };
}

/**
 * The HTTP status, Google error body and headers a call failed with. The auth client's transporter
 * makes the request, so the error is from google-auth-library's gaxios, whose `instanceof` is
 * tied to its own version.
 */
async function failureOf(call: Promise<unknown>): Promise<{ status: number; body: GoogleErrorBody; headers: Headers }> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof Auth.gaxios.GaxiosError, `expected an HTTP failure, got ${String(error)}`);
    assert.ok(error.response, `expected a response, got ${error.message}`);
    return { status: error.response.status, body: error.response.data as GoogleErrorBody, headers: error.response.headers };
  }
  assert.fail('the call succeeded');
}

/** No retries: the test sees the first answer, not what gaxios makes of it. */
const ONCE = { retry: false } as const;

let sim: SimServer;
let clients: Record<'alice' | 'bob' | 'carol' | 'dave' | 'finance', gmail_v1.Gmail>;
let admin: admin_directory_v1.Admin;

function tenant(): Tenant {
  return sim.context.tenant.current;
}

/** Where the simulated tenant holds the user's copy of a message: folder path and read state. */
function placementOf(address: string, messageId: string): { folderPath: string; isRead: boolean } | undefined {
  const placement = tenant().locate(messageId).find((p) => p.mailbox === address);
  return placement && { folderPath: placement.folderPath, isRead: placement.isRead };
}

async function idOf(gmail: gmail_v1.Gmail, messageId: string): Promise<string> {
  const { data } = await gmail.users.messages.list({ userId: 'me', q: `rfc822msgid:${messageId}`, includeSpamTrash: true });
  assert.equal(data.messages?.length, 1);
  return data.messages[0]!.id!;
}

before(async () => {
  sim = await startSimServer({ tenant: Tenant.fromScenario(demoScenario), faces: [gmailFace] });
  const a = DEMO_ADDRESSES;
  clients = {
    alice: googleClients(sim, a.alice).gmail,
    bob: googleClients(sim, a.bob).gmail,
    carol: googleClients(sim, a.carol).gmail,
    dave: googleClients(sim, a.dave).gmail,
    finance: googleClients(sim, a.finance).gmail,
  };
  admin = googleClients(sim, a.alice).admin;
});
after(() => sim.close());
beforeEach(() => {
  sim.context.tenant.current = Tenant.fromScenario(demoScenario);
  sim.context.faults.set({});
  sim.context.counters.reset();
});

test('users.get finds a user by alias, primary address or id, and answers 404 for anyone else', async () => {
  const byAlias: admin_directory_v1.Schema$User = (await admin.users.get({ userKey: DEMO_ADDRESSES.aliceAlias })).data;
  assert.equal(byAlias.primaryEmail, DEMO_ADDRESSES.alice);
  assert.deepEqual(byAlias.aliases, [DEMO_ADDRESSES.aliceAlias]);
  assert.equal((await admin.users.get({ userKey: byAlias.id! })).data.primaryEmail, DEMO_ADDRESSES.alice);
  assert.equal((await admin.users.get({ userKey: DEMO_ADDRESSES.bob })).data.aliases, undefined);

  const missing = await failureOf(admin.users.get({ userKey: `nobody@${DEMO_ADDRESSES.alice.split('@')[1]}` }, ONCE));
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.errors[0]?.reason, 'notFound');
});

test('group members with includeDerivedMembership flatten the cyclic nested lists, each member once', async () => {
  const direct = (await admin.members.list({ groupKey: DEMO_ADDRESSES.allStaff })).data.members ?? [];
  assert.deepEqual(
    direct.map((m) => [m.email, m.type]),
    [
      [DEMO_ADDRESSES.alice, 'USER'],
      [DEMO_ADDRESSES.teamEng, 'GROUP'],
    ],
  );

  const derived: admin_directory_v1.Schema$Member[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await admin.members.list({ groupKey: DEMO_ADDRESSES.allStaff, includeDerivedMembership: true, maxResults: 2, ...(pageToken ? { pageToken } : {}) });
    derived.push(...(data.members ?? []));
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  assert.deepEqual(derived.filter((m) => m.type === 'USER').map((m) => m.email).sort(), [DEMO_ADDRESSES.alice, DEMO_ADDRESSES.bob, DEMO_ADDRESSES.carol]);
  assert.deepEqual(derived.filter((m) => m.type === 'GROUP').map((m) => m.email), [DEMO_ADDRESSES.teamEng]);
  assert.equal(new Set(derived.map((m) => m.email)).size, derived.length);
});

test('messages.list by rfc822msgid leaves out spam unless includeSpamTrash is set', async () => {
  const without: gmail_v1.Schema$ListMessagesResponse = (await clients.finance.users.messages.list({ userId: 'me', q: `rfc822msgid:${DEMO_MESSAGE_ID}` })).data;
  assert.equal('messages' in without, false);
  assert.equal(without.resultSizeEstimate, 0);

  const withSpam = (await clients.finance.users.messages.list({ userId: DEMO_ADDRESSES.finance, q: `rfc822msgid:${DEMO_MESSAGE_ID}`, includeSpamTrash: true })).data;
  assert.equal(withSpam.messages?.length, 1);
  const copy = (await clients.finance.users.messages.get({ userId: 'me', id: withSpam.messages![0]!.id!, format: 'minimal' })).data;
  assert.deepEqual(copy.labelIds, ['SPAM', 'UNREAD']);
});

test('messages.list pages newest first with maxResults and pageToken, every message once', async () => {
  const seen: gmail_v1.Schema$Message[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await clients.alice.users.messages.list({ userId: 'me', maxResults: 1, ...(pageToken ? { pageToken } : {}) });
    assert.equal(data.messages?.length, 1);
    assert.equal(data.resultSizeEstimate, 3);
    seen.push(...data.messages!);
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  const messageIds = [];
  for (const { id } of seen) {
    const { data } = await clients.alice.users.messages.get({ userId: 'me', id: id!, format: 'metadata', metadataHeaders: ['Message-ID'] });
    messageIds.push(data.payload?.headers?.[0]?.value);
  }
  assert.deepEqual(messageIds, [DEMO_FORWARD_ID, DEMO_MESSAGE_ID, DEMO_BENIGN_MESSAGE_ID]);

  const sent = (await clients.alice.users.messages.list({ userId: 'me', q: 'in:sent subject:"FW: Overdue invoice"' })).data;
  assert.equal(sent.messages?.length, 1);
});

test('messages.get metadata gives the asked headers, the labels with UNREAD, internalDate and threadId', async () => {
  const message: gmail_v1.Schema$Message = (
    await clients.alice.users.messages.get({ userId: 'me', id: await idOf(clients.alice, DEMO_MESSAGE_ID), format: 'metadata', metadataHeaders: ['message-id', 'Subject'] })
  ).data;
  assert.deepEqual(message.labelIds, ['INBOX', 'UNREAD']);
  assert.deepEqual(message.payload?.headers, [
    { name: 'Subject', value: 'Overdue invoice 4471' },
    { name: 'Message-ID', value: DEMO_MESSAGE_ID },
  ]);
  assert.equal(message.internalDate, String(Date.parse('2026-12-01T09:14:00Z')));
  assert.match(message.threadId ?? '', /^[0-9a-f]{16}$/);

  const bobsId = await idOf(clients.bob, DEMO_MESSAGE_ID);
  const minimal = (await clients.bob.users.messages.get({ userId: 'me', id: bobsId, format: 'minimal' })).data;
  assert.deepEqual(minimal.labelIds, ['INBOX']);
  assert.equal(minimal.payload, undefined);
});

test('messages.get full gives the text and the attachment as parts; raw is the MIME a mail parser reads back', async () => {
  const id = await idOf(clients.bob, DEMO_MESSAGE_ID);
  const full: gmail_v1.Schema$Message = (await clients.bob.users.messages.get({ userId: 'me', id, format: 'full' })).data;
  assert.equal(full.payload?.mimeType, 'multipart/mixed');
  assert.equal(full.payload?.headers?.find((header) => header.name === 'Message-ID')?.value, DEMO_MESSAGE_ID);
  const [text, attachment]: gmail_v1.Schema$MessagePart[] = full.payload?.parts ?? [];
  assert.deepEqual([text?.partId, text?.mimeType, attachment?.partId, attachment?.mimeType, attachment?.filename], ['0', 'text/plain', '1', 'text/html', 'invoice-4471.html']);
  assert.match(Buffer.from(text?.body?.data ?? '', 'base64url').toString(), /^Your invoice 4471 is overdue/);
  assert.match(Buffer.from(attachment?.body?.data ?? '', 'base64url').toString(), /^<form action="https:\/\/billing-portal\.example\/pay">/);

  const raw: gmail_v1.Schema$Message = (await clients.bob.users.messages.get({ userId: 'me', id, format: 'raw' })).data;
  const mime = Buffer.from(raw.raw ?? '', 'base64url');
  assert.equal(raw.sizeEstimate, mime.length);
  assert.deepEqual(raw.labelIds, ['INBOX']);
  const parsed = await simpleParser(mime);
  assert.equal(parsed.messageId, DEMO_MESSAGE_ID);
  assert.equal(parsed.subject, 'Overdue invoice 4471');
  assert.equal(parsed.from?.value[0]?.address, DEMO_ADDRESSES.attacker);
  assert.deepEqual(
    parsed.attachments.map((a) => [a.filename, a.contentType]),
    [['invoice-4471.html', 'text/html']],
  );
});

test('a hidden label with INBOX removed quarantines a copy, and modify undoes it', async () => {
  const quarantine: gmail_v1.Schema$Label = (
    await clients.alice.users.labels.create({ userId: 'me', requestBody: { name: 'Clawback Quarantine', labelListVisibility: 'labelHide', messageListVisibility: 'hide' } })
  ).data;
  assert.match(quarantine.id ?? '', /^Label_/);
  const duplicate = await failureOf(clients.alice.users.labels.create({ userId: 'me', requestBody: { name: 'clawback quarantine' } }));
  assert.equal(duplicate.status, 409);
  assert.equal(duplicate.body.error.errors[0]?.reason, 'duplicate');
  const listed = (await clients.alice.users.labels.list({ userId: 'me' })).data.labels ?? [];
  assert.equal(listed.find((label) => label.id === quarantine.id)?.labelListVisibility, 'labelHide');

  const id = await idOf(clients.alice, DEMO_MESSAGE_ID);
  const labelled = (await clients.alice.users.messages.modify({ userId: 'me', id, requestBody: { addLabelIds: [quarantine.id!] } })).data;
  assert.deepEqual(labelled.labelIds, ['INBOX', quarantine.id, 'UNREAD']);
  assert.deepEqual(placementOf(DEMO_ADDRESSES.alice, DEMO_MESSAGE_ID), { folderPath: 'Inbox', isRead: false }, 'still in the inbox while INBOX stays');

  const pulled = (await clients.alice.users.messages.modify({ userId: 'me', id, requestBody: { removeLabelIds: ['INBOX'] } })).data;
  assert.deepEqual(pulled.labelIds, [quarantine.id, 'UNREAD']);
  assert.deepEqual(placementOf(DEMO_ADDRESSES.alice, DEMO_MESSAGE_ID), { folderPath: 'Clawback Quarantine', isRead: false });
  const inbox = (await clients.alice.users.messages.list({ userId: 'me', labelIds: ['INBOX'], q: `rfc822msgid:${DEMO_MESSAGE_ID}` })).data;
  assert.equal(inbox.messages, undefined);

  const restored = (await clients.alice.users.messages.modify({ userId: 'me', id, requestBody: { addLabelIds: ['INBOX'], removeLabelIds: [quarantine.id!] } })).data;
  assert.deepEqual(restored.labelIds, ['INBOX', 'UNREAD']);
  assert.deepEqual(placementOf(DEMO_ADDRESSES.alice, DEMO_MESSAGE_ID), { folderPath: 'Inbox', isRead: false });
});

test('a copy under a user label goes back under it on undo', async () => {
  const id = await idOf(clients.carol, DEMO_MESSAGE_ID);
  const before = (await clients.carol.users.messages.get({ userId: 'me', id, format: 'minimal' })).data.labelIds ?? [];
  const invoices = (await clients.carol.users.labels.list({ userId: 'me' })).data.labels?.find((label) => label.name === 'Inbox/Invoices');
  assert.deepEqual(before, [invoices?.id, 'UNREAD']);
  const quarantine = (await clients.carol.users.labels.create({ userId: 'me', requestBody: { name: 'Quarantine', labelListVisibility: 'labelHide', messageListVisibility: 'hide' } })).data;

  await clients.carol.users.messages.modify({ userId: 'me', id, requestBody: { addLabelIds: [quarantine.id!], removeLabelIds: [invoices!.id!] } });
  assert.deepEqual(placementOf(DEMO_ADDRESSES.carol, DEMO_MESSAGE_ID), { folderPath: 'Quarantine', isRead: false });
  const undone = (await clients.carol.users.messages.modify({ userId: 'me', id, requestBody: { addLabelIds: before, removeLabelIds: [quarantine.id!] } })).data;
  assert.deepEqual(undone.labelIds, before);
  assert.deepEqual(placementOf(DEMO_ADDRESSES.carol, DEMO_MESSAGE_ID), { folderPath: 'Inbox/Invoices', isRead: false });
});

test('batchModify changes every listed message and answers 204 with no body', async () => {
  const ids = [await idOf(clients.alice, DEMO_MESSAGE_ID), await idOf(clients.alice, DEMO_BENIGN_MESSAGE_ID)];
  const response = await clients.alice.users.messages.batchModify({ userId: 'me', requestBody: { ids, removeLabelIds: ['UNREAD'], addLabelIds: ['STARRED'] } });
  assert.equal(response.status, 204);
  assert.equal(response.data, '');
  assert.equal(placementOf(DEMO_ADDRESSES.alice, DEMO_MESSAGE_ID)?.isRead, true);
  assert.equal(placementOf(DEMO_ADDRESSES.alice, DEMO_BENIGN_MESSAGE_ID)?.isRead, true);
  const starred = (await clients.alice.users.messages.list({ userId: 'me', q: 'is:starred' })).data;
  assert.equal(starred.resultSizeEstimate, 2);

  const tooMany = await failureOf(clients.alice.users.messages.batchModify({ userId: 'me', requestBody: { ids: Array.from({ length: 1001 }, (_, i) => `m${i}`), addLabelIds: ['UNREAD'] } }));
  assert.equal(tooMany.status, 400);
});

test('modify refuses SENT, unknown labels and a change that names no label, as Gmail does', async () => {
  const id = await idOf(clients.alice, DEMO_FORWARD_ID);
  const refusals = [
    await failureOf(clients.alice.users.messages.modify({ userId: 'me', id, requestBody: { removeLabelIds: ['SENT'] } })),
    await failureOf(clients.alice.users.messages.modify({ userId: 'me', id, requestBody: { addLabelIds: ['Label_none'] } })),
    await failureOf(clients.alice.users.messages.modify({ userId: 'me', id, requestBody: {} })),
  ];
  assert.deepEqual(
    refusals.map(({ status, body }) => [status, body.error.message]),
    [
      [400, 'Invalid label: SENT'],
      [400, 'labelId not found'],
      [400, 'No label add or removes specified'],
    ],
  );
  assert.deepEqual(placementOf(DEMO_ADDRESSES.alice, DEMO_FORWARD_ID), { folderPath: 'Sent Items', isRead: true });
  const missing = await failureOf(clients.alice.users.messages.modify({ userId: 'me', id: 'no-such-message', requestBody: { addLabelIds: ['STARRED'] } }));
  assert.equal(missing.status, 404);
});

test('trash takes a copy out of the inbox and out of default lists; untrash leaves it archived until INBOX is restored', async () => {
  const id = await idOf(clients.dave, DEMO_FORWARD_ID);
  const trashed = (await clients.dave.users.messages.trash({ userId: 'me', id })).data;
  assert.deepEqual(trashed.labelIds, ['TRASH', 'UNREAD']);
  assert.deepEqual(placementOf(DEMO_ADDRESSES.dave, DEMO_FORWARD_ID), { folderPath: 'Deleted Items', isRead: false });
  assert.equal((await clients.dave.users.messages.list({ userId: 'me' })).data.resultSizeEstimate, 0);

  const untrashed = (await clients.dave.users.messages.untrash({ userId: 'me', id })).data;
  assert.deepEqual(untrashed.labelIds, ['UNREAD']);
  assert.deepEqual(placementOf(DEMO_ADDRESSES.dave, DEMO_FORWARD_ID), { folderPath: 'Archive', isRead: false });
  await clients.dave.users.messages.modify({ userId: 'me', id, requestBody: { addLabelIds: ['INBOX'] } });
  assert.deepEqual(placementOf(DEMO_ADDRESSES.dave, DEMO_FORWARD_ID), { folderPath: 'Inbox', isRead: false });
});

test('threads.get finds the forward beside the original, and the forward shares the thread in other mailboxes', async () => {
  const original = (await clients.alice.users.messages.get({ userId: 'me', id: await idOf(clients.alice, DEMO_MESSAGE_ID), format: 'minimal' })).data;
  const thread: gmail_v1.Schema$Thread = (
    await clients.alice.users.threads.get({ userId: 'me', id: original.threadId!, format: 'metadata', metadataHeaders: ['Message-ID', 'Subject', 'References'] })
  ).data;
  const forward = thread.messages?.find((message) => message.labelIds?.includes('SENT'));
  assert.equal(thread.messages?.length, 2);
  assert.deepEqual(forward?.payload?.headers, [
    { name: 'Subject', value: 'FW: Overdue invoice 4471' },
    { name: 'Message-ID', value: DEMO_FORWARD_ID },
    { name: 'References', value: DEMO_MESSAGE_ID },
  ]);

  const davesCopy = (await clients.dave.users.messages.get({ userId: 'me', id: await idOf(clients.dave, DEMO_FORWARD_ID), format: 'minimal' })).data;
  assert.equal(davesCopy.threadId, original.threadId);
});

test('a token this tenant never issued is refused with 401', async () => {
  const auth = new google.auth.OAuth2({ transporterOptions: { agent: new https.Agent({ ca: sim.caCert }) } });
  auth.setCredentials({ access_token: 'not-issued-here' });
  const stranger = google.gmail({ version: 'v1', auth, rootUrl: `${sim.url}/` });
  const refused = await failureOf(stranger.users.labels.list({ userId: 'me' }));
  assert.deepEqual([refused.status, refused.body.error.status], [401, 'UNAUTHENTICATED']);
});

test("a token is bound to its subject: another user's mailbox is refused with 403", async () => {
  const refused = await failureOf(clients.alice.users.messages.list({ userId: DEMO_ADDRESSES.bob }));
  assert.equal(refused.status, 403);
  assert.deepEqual(refused.body.error.errors[0]?.reason, 'forbidden');
  assert.equal(refused.body.error.status, 'PERMISSION_DENIED');
  assert.equal((await clients.alice.users.messages.list({ userId: DEMO_ADDRESSES.aliceAlias })).status, 200);
});

test('a user over the per-minute quota gets userRateLimitExceeded with Retry-After until the minute has passed', async () => {
  let now = Date.parse('2026-12-01T12:00:00Z');
  const limited = await startSimServer({
    tenant: Tenant.fromScenario(demoScenario),
    faces: [createGmailFace({ quota: { unitsPerMinute: 10 }, now: () => now })],
  });
  try {
    const bob = googleClients(limited, DEMO_ADDRESSES.bob).gmail;
    await bob.users.messages.list({ userId: 'me' });
    now += 30_000;
    await bob.users.messages.list({ userId: 'me' });
    const refused = await failureOf(bob.users.messages.list({ userId: 'me' }, ONCE));
    assert.equal(refused.status, 429);
    assert.deepEqual(refused.body.error.errors[0], { message: refused.body.error.message, domain: 'usageLimits', reason: 'userRateLimitExceeded' });
    assert.equal(refused.headers.get('retry-after'), '30');
    assert.equal((await googleClients(limited, DEMO_ADDRESSES.alice).gmail.users.messages.list({ userId: 'me' })).status, 200, 'the quota is per user');
    now += 30_000;
    assert.equal((await bob.users.messages.list({ userId: 'me' })).status, 200);
    assert.deepEqual(limited.context.counters.snapshot().throttles, { 'gmail.messages.list': 1 });
  } finally {
    await limited.close();
  }
});

test('fault plans: a throttle is userRateLimitExceeded, a status keeps the shape, a reset drops the connection', async () => {
  sim.context.faults.set({
    faults: [
      { operation: 'gmail.messages.list', kind: 'throttle', retryAfterMs: 2000, times: 1 },
      { operation: 'gmail.messages.modify', kind: 'status', status: 503, times: 1 },
      { operation: 'gmail.messages.get', kind: 'reset', times: 2 },
    ],
  });
  const throttled = await failureOf(clients.bob.users.messages.list({ userId: 'me' }, ONCE));
  assert.deepEqual([throttled.status, throttled.body.error.errors[0]?.reason, throttled.headers.get('retry-after')], [429, 'userRateLimitExceeded', '2']);

  const failed = await failureOf(clients.bob.users.messages.modify({ userId: 'me', id: 'any', requestBody: {} }));
  assert.deepEqual([failed.status, failed.body.error.status], [503, 'UNAVAILABLE']);

  const id = await idOf(clients.bob, DEMO_MESSAGE_ID);
  await assert.rejects(clients.bob.users.messages.get({ userId: 'me', id }, ONCE), /socket hang up|ECONNRESET/);
  // gaxios retries a GET that got no answer, so the second reset costs a retry, not the call.
  assert.equal((await clients.bob.users.messages.get({ userId: 'me', id })).status, 200);
  assert.equal(sim.context.counters.snapshot().requests['gmail.messages.get'], 3);
});

/** A message as a client would upload it, in CRLF lines. */
function rawMessage(messageId: string, to: string, subject: string): string {
  return [
    `From: ${DEMO_ADDRESSES.partner}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Minutes of Thursday, as agreed.',
    '',
  ].join('\r\n');
}

/**
 * googleapis builds a media upload's URL from the call's own `rootUrl` and never rewrites it to
 * the client's, so calls with `media` name the simulator again.
 */
function uploadOptions(): { rootUrl: string } {
  return { rootUrl: `${sim.url}/` };
}

function mailboxIdOf(address: string): string {
  const entry = tenant().resolveAddress(address);
  assert.ok(entry?.kind === 'mailbox', `${address} is a mailbox`);
  return entry.mailbox.id;
}

test('insert puts an exported message into another user under a hidden label, read, and rfc822msgid finds it', async () => {
  const exported = (await clients.bob.users.messages.get({ userId: 'me', id: await idOf(clients.bob, DEMO_MESSAGE_ID), format: 'raw' })).data.raw!;
  const hidden = (await clients.dave.users.labels.create({ userId: 'me', requestBody: { name: 'Evidence', labelListVisibility: 'labelHide', messageListVisibility: 'hide' } })).data;

  const inserted: gmail_v1.Schema$Message = (
    await clients.dave.users.messages.insert({ userId: 'me', internalDateSource: 'dateHeader', requestBody: { raw: exported, labelIds: [hidden.id!] } })
  ).data;
  assert.deepEqual(inserted.labelIds, [hidden.id]);
  assert.equal(inserted.internalDate, String(Date.parse('2026-12-01T09:14:00Z')), 'dated by its Date header, as asked');
  assert.equal(await idOf(clients.dave, DEMO_MESSAGE_ID), inserted.id);
  assert.deepEqual(placementOf(DEMO_ADDRESSES.dave, DEMO_MESSAGE_ID), { folderPath: 'Evidence', isRead: true });

  const copy = (await clients.dave.users.messages.get({ userId: 'me', id: inserted.id!, format: 'raw' })).data;
  assert.equal(copy.raw, exported, 'the inserted bytes are exported as they came');
  assert.equal(copy.threadId, (await clients.bob.users.messages.get({ userId: 'me', id: await idOf(clients.bob, DEMO_MESSAGE_ID), format: 'minimal' })).data.threadId);
  assert.deepEqual(sim.context.counters.snapshot().requests['gmail.messages.insert'], 1);
});

test('the media forms googleapis sends: import with labels as multipart/related, insert of a stream as plain media', async () => {
  const importedId = '<minutes-1@outside.example>';
  const imported = (
    await clients.dave.users.messages.import({
      userId: 'me',
      requestBody: { labelIds: ['INBOX', 'UNREAD', 'STARRED'] },
      media: { mimeType: 'message/rfc822', body: rawMessage(importedId, DEMO_ADDRESSES.dave, 'Minutes') },
    }, uploadOptions())
  ).data;
  assert.deepEqual(imported.labelIds, ['INBOX', 'STARRED', 'UNREAD']);
  assert.equal(imported.internalDate, String(Date.parse('2026-12-01T10:00:00Z')), 'import dates a message by its Date header');
  assert.deepEqual(placementOf(DEMO_ADDRESSES.dave, importedId), { folderPath: 'Inbox', isRead: false });
  const listed = (await clients.dave.users.messages.list({ userId: 'me', q: 'is:starred subject:minutes' })).data;
  assert.deepEqual(listed.messages?.map((m) => m.id), [imported.id]);

  const insertedId = '<minutes-2@outside.example>';
  const before = Date.now();
  const inserted = (
    await clients.dave.users.messages.insert({
      userId: 'me',
      media: { mimeType: 'message/rfc822', body: Readable.from([Buffer.from(rawMessage(insertedId, DEMO_ADDRESSES.dave, 'Minutes, again'))]) },
    }, uploadOptions())
  ).data;
  assert.deepEqual(inserted.labelIds, [], 'no label: archived and read');
  assert.ok(Number(inserted.internalDate) >= before, 'insert dates a message when it is received');
  assert.deepEqual(placementOf(DEMO_ADDRESSES.dave, insertedId), { folderPath: 'Archive', isRead: true });
  assert.equal((await clients.dave.users.messages.list({ userId: 'me', q: `rfc822msgid:${insertedId}` })).data.resultSizeEstimate, 1);
});

test('a raw that is not a message, not base64 or missing, a non-message media type and an unknown label are refused and store nothing', async () => {
  const daveId = mailboxIdOf(DEMO_ADDRESSES.dave);
  const stored = tenant().messagesOf(daveId).length;
  const valid = Buffer.from(rawMessage('<refused@outside.example>', DEMO_ADDRESSES.dave, 'Refused')).toString('base64url');
  const refusals = [
    await failureOf(clients.dave.users.messages.insert({ userId: 'me', requestBody: { raw: Buffer.from('not a message at all').toString('base64url') } })),
    await failureOf(clients.dave.users.messages.insert({ userId: 'me', requestBody: { raw: 'not base64!' } })),
    await failureOf(clients.dave.users.messages.import({ userId: 'me', requestBody: { labelIds: ['INBOX'] } })),
    await failureOf(clients.dave.users.messages.insert({ userId: 'me', media: { mimeType: 'text/plain', body: 'Subject: hi\r\n\r\nhi' } }, uploadOptions())),
    await failureOf(clients.dave.users.messages.insert({ userId: 'me', requestBody: { raw: valid, labelIds: ['Label_none'] } })),
  ];
  assert.deepEqual(
    refusals.map(({ status, body }) => [status, body.error.status, body.error.errors[0]?.reason]),
    [
      [400, 'INVALID_ARGUMENT', 'invalidArgument'],
      [400, 'INVALID_ARGUMENT', 'invalidArgument'],
      [400, 'INVALID_ARGUMENT', 'invalidArgument'],
      [400, 'INVALID_ARGUMENT', 'badContent'],
      [400, 'INVALID_ARGUMENT', 'invalidArgument'],
    ],
  );
  assert.match(refusals[0]!.body.error.message, /no From address/);
  assert.match(refusals[1]!.body.error.message, /Base64 decoding failed/);
  assert.equal(tenant().messagesOf(daveId).length, stored);
  assert.deepEqual(tenant().locate('<refused@outside.example>'), []);
});

interface BatchCall {
  id: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** Headers of the call itself; they override the outer request's. */
  headers?: Record<string, string>;
}

interface BatchAnswer {
  contentId: string | undefined;
  status: number;
  headers: Headers;
  body: unknown;
}

/** A batch body as Google documents it: one application/http part per call, each a request line, headers and body. */
function batchBody(boundary: string, calls: BatchCall[]): string {
  const parts = calls.map(({ id, method, path, body, headers = {} }) => {
    const head = [`${method} ${path}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)].join('\r\n');
    const http = body === undefined ? `${head}\r\n` : `${head}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(body)}`;
    return `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <${id}>\r\n\r\n${http}\r\n`;
  });
  return `${parts.join('')}--${boundary}--\r\n`;
}

async function accessTokenOf(server: SimServer, address: string): Promise<string> {
  const { token } = await googleClients(server, address).auth.getAccessToken();
  assert.ok(token);
  return token;
}

/** Posts a batch over HTTPS and reads the answer with mailparser, a parser of its own. */
async function sendBatch(server: SimServer, token: string, calls: BatchCall[]): Promise<{ status: number; answers: BatchAnswer[]; text: string }> {
  const response = await fetchFromSimulator(server, '/batch/gmail/v1', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'multipart/mixed; boundary=batch_test' },
    body: batchBody('batch_test', calls),
  });
  const text = await response.text();
  if (response.status !== 200) return { status: response.status, answers: [], text };
  const parsed = await simpleParser(Buffer.from(`Content-Type: ${response.headers.get('content-type')}\r\n\r\n${text}`));
  const answers = parsed.attachments.map((part) => {
    assert.equal(part.contentType, 'application/http');
    const [head = '', ...body] = part.content.toString('utf8').split('\r\n\r\n');
    const [statusLine = '', ...headerLines] = head.split('\r\n');
    const headers = new Headers(headerLines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()] as [string, string]));
    const json = body.join('\r\n\r\n');
    return { contentId: part.contentId, status: Number(statusLine.split(' ')[1]), headers, body: json ? JSON.parse(json) : undefined };
  });
  return { status: response.status, answers, text };
}

test('a batch runs each call through the face: two gets and a modify, one 404 among them, each answered in its own part', async () => {
  const id = await idOf(clients.alice, DEMO_MESSAGE_ID);
  const token = await accessTokenOf(sim, DEMO_ADDRESSES.alice);
  sim.context.counters.reset();
  const { status, answers } = await sendBatch(sim, token, [
    { id: 'get-1', method: 'GET', path: `/gmail/v1/users/me/messages/${id}?format=metadata&metadataHeaders=Subject` },
    { id: 'read-1', method: 'POST', path: `https://gmail.googleapis.com/gmail/v1/users/me/messages/${id}/modify`, body: { removeLabelIds: ['UNREAD'] } },
    { id: 'missing', method: 'GET', path: '/gmail/v1/users/me/messages/no-such-message?format=minimal' },
  ]);
  assert.equal(status, 200);
  assert.deepEqual(
    answers.map((answer) => [answer.contentId, answer.status]),
    [
      ['<response-get-1>', 200],
      ['<response-read-1>', 200],
      ['<response-missing>', 404],
    ],
  );
  const [got, modified, missing] = answers.map((answer) => answer.body) as [gmail_v1.Schema$Message, gmail_v1.Schema$Message, GoogleErrorBody];
  assert.deepEqual(got.payload?.headers, [{ name: 'Subject', value: 'Overdue invoice 4471' }]);
  assert.deepEqual(got.labelIds, ['INBOX', 'UNREAD']);
  assert.deepEqual(modified.labelIds, ['INBOX']);
  assert.equal(missing.error.errors[0]?.reason, 'notFound');
  assert.deepEqual(placementOf(DEMO_ADDRESSES.alice, DEMO_MESSAGE_ID), { folderPath: 'Inbox', isRead: true });
  assert.deepEqual(sim.context.counters.snapshot().requests, { 'gmail.batch': 1, 'gmail.messages.get': 2, 'gmail.messages.modify': 1 });
});

test('inside a batch the fault plan and the token apply per call: a call may carry its own Authorization', async () => {
  const id = await idOf(clients.alice, DEMO_MESSAGE_ID);
  sim.context.faults.set({ faults: [{ operation: 'gmail.messages.get', kind: 'status', status: 503, times: 1 }] });
  const path = `/gmail/v1/users/me/messages/${id}?format=minimal`;
  const { answers } = await sendBatch(sim, await accessTokenOf(sim, DEMO_ADDRESSES.alice), [
    { id: 'faulted', method: 'GET', path },
    { id: 'stranger', method: 'GET', path, headers: { Authorization: 'Bearer not-issued-here' } },
    { id: 'as-bob', method: 'GET', path, headers: { Authorization: `Bearer ${await accessTokenOf(sim, DEMO_ADDRESSES.bob)}` } },
    { id: 'fine', method: 'GET', path },
  ]);
  assert.deepEqual(
    answers.map((answer) => [answer.status, (answer.body as GoogleErrorBody).error?.status]),
    [
      [503, 'UNAVAILABLE'],
      [401, 'UNAUTHENTICATED'],
      [404, 'NOT_FOUND'],
      [200, undefined],
    ],
  );
});

test('a batch of more than 100 calls is refused whole, and no call in it runs', async () => {
  const id = await idOf(clients.alice, DEMO_MESSAGE_ID);
  const token = await accessTokenOf(sim, DEMO_ADDRESSES.alice);
  sim.context.counters.reset();
  const calls = Array.from({ length: 101 }, (_, i): BatchCall => ({ id: `c${i}`, method: 'POST', path: `/gmail/v1/users/me/messages/${id}/trash` }));
  const refused = await sendBatch(sim, token, calls);
  assert.equal(refused.status, 400);
  const body = JSON.parse(refused.text) as GoogleErrorBody;
  assert.equal(body.error.message, 'Inner request count exceeds the limit. Received: 101, Limit: 100');
  assert.deepEqual(sim.context.counters.snapshot().requests, { 'gmail.batch': 1 });
  assert.deepEqual(placementOf(DEMO_ADDRESSES.alice, DEMO_MESSAGE_ID), { folderPath: 'Inbox', isRead: false });

  const hundred = await sendBatch(sim, token, calls.slice(0, 100));
  assert.equal(hundred.answers.length, 100);
  assert.ok(hundred.answers.every((answer) => answer.status === 200));
});

test('inside a batch each call is charged to the user: an insert costs 25 units and the call over the minute gets userRateLimitExceeded', async () => {
  const limited = await startSimServer({
    tenant: Tenant.fromScenario(demoScenario),
    faces: [createGmailFace({ quota: { unitsPerMinute: 35 } })],
  });
  try {
    const bob = googleClients(limited, DEMO_ADDRESSES.bob).gmail;
    const raw = Buffer.from(rawMessage('<minutes-3@outside.example>', DEMO_ADDRESSES.bob, 'Minutes')).toString('base64url');
    const { id } = (await bob.users.messages.insert({ userId: 'me', requestBody: { raw, labelIds: ['INBOX'] } })).data;
    const { status, answers } = await sendBatch(
      limited,
      await accessTokenOf(limited, DEMO_ADDRESSES.bob),
      ['a', 'b', 'c'].map((name) => ({ id: name, method: 'GET', path: `/gmail/v1/users/me/messages/${id}?format=minimal` })),
    );
    assert.equal(status, 200);
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 429],
    );
    const refused = answers[2]!;
    assert.equal((refused.body as GoogleErrorBody).error.errors[0]?.reason, 'userRateLimitExceeded');
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
    assert.deepEqual(limited.context.counters.snapshot().throttles, { 'gmail.messages.get': 1 });
  } finally {
    await limited.close();
  }
});
