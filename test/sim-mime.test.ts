import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { Tenant } from '../src/sim/model.js';
import { TenantError } from '../src/sim/errors.js';
import { demoScenario, DEMO_ADDRESSES as a, DEMO_FORWARD_ID, DEMO_MESSAGE_ID } from '../src/sim/demo.js';
import { messageFromMime, mimeOf } from '../src/sim/mime.js';

const mailboxIdOf = (tenant: Tenant, address: string) => {
  const entry = tenant.resolveAddress(address);
  assert.ok(entry?.kind === 'mailbox');
  return entry.mailbox.id;
};

test('a seeded message exports as MIME with its headers, body and attachment, the same bytes for every copy', async () => {
  const tenant = Tenant.fromScenario(demoScenario);
  const [alice, bob] = [a.alice, a.bob].map((address) => tenant.findMessages(mailboxIdOf(tenant, address), DEMO_MESSAGE_ID)[0]);
  assert.ok(alice && bob);
  const raw = await mimeOf(alice);
  assert.deepEqual(raw, await mimeOf(bob));
  const parsed = await simpleParser(raw);
  assert.equal(parsed.messageId, DEMO_MESSAGE_ID);
  assert.equal(parsed.subject, 'Overdue invoice 4471');
  assert.equal(parsed.date?.toISOString(), '2026-12-01T09:14:00.000Z');
  assert.match(parsed.text ?? '', /invoice 4471 is overdue/);
  assert.deepEqual(
    parsed.attachments.map((attachment) => [attachment.filename, attachment.contentType]),
    [['invoice-4471.html', 'text/html']],
  );
});

test('a forward exports References and In-Reply-To naming the original', async () => {
  const tenant = Tenant.fromScenario(demoScenario);
  const forward = tenant.findMessages(mailboxIdOf(tenant, a.alice), DEMO_FORWARD_ID)[0]!;
  const parsed = await simpleParser(await mimeOf(forward));
  assert.equal(parsed.inReplyTo, DEMO_MESSAGE_ID);
  assert.deepEqual([parsed.references].flat(), [DEMO_MESSAGE_ID]);
});

test('an imported message keeps its raw bytes, its fields and its attachments, in the folder asked for', async () => {
  const tenant = Tenant.fromScenario(demoScenario);
  const original = tenant.findMessages(mailboxIdOf(tenant, a.bob), DEMO_MESSAGE_ID)[0]!;
  const raw = await mimeOf(original);
  const finance = mailboxIdOf(tenant, a.finance);
  const imported = tenant.importMessage(finance, 'Inbox', await messageFromMime(raw, () => '<unused@sim>'), { mime: raw, isRead: true });
  assert.equal(imported.folderPath, 'Inbox');
  assert.equal(imported.isRead, true);
  assert.equal(imported.internetMessageId, DEMO_MESSAGE_ID);
  assert.deepEqual([imported.from, imported.to, imported.cc], [original.from, original.to, original.cc]);
  assert.deepEqual(imported.attachments, original.attachments);
  assert.deepEqual(await mimeOf(imported), raw);
  assert.equal(tenant.locate(DEMO_MESSAGE_ID).filter((p) => p.mailboxId === finance).length, 2);
});

test('MIME without a Message-ID gets an assigned one; without a From it is refused', async () => {
  const noId = Buffer.from('From: x@outside.example\r\nTo: alice@demo.clawback.test\r\nSubject: hi\r\n\r\nbody\r\n');
  assert.equal((await messageFromMime(noId, () => '<assigned-1@sim>')).messageId, '<assigned-1@sim>');
  const noFrom = Buffer.from('To: alice@demo.clawback.test\r\nSubject: hi\r\n\r\nbody\r\n');
  await assert.rejects(messageFromMime(noFrom, () => '<x@sim>'), (error) => error instanceof TenantError && error.code === 'InvalidMime');
  await assert.rejects(messageFromMime(Buffer.alloc(0), () => '<x@sim>'), (error) => error instanceof TenantError && error.code === 'InvalidMime');
});
