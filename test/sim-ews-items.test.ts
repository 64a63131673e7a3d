import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import {
  BasePropertySet,
  ConflictResolutionMode,
  DeleteMode,
  EmailMessage,
  EmailMessageSchema,
  Folder,
  FolderId,
  FolderView,
  ItemId,
  ItemSchema,
  ItemTraversal,
  ItemView,
  MimeContent,
  PropertySet,
  SearchFilter,
  ServiceError,
  ServiceResponseException,
  ServiceResult,
  WellKnownFolderName,
  type AffectedTaskOccurrence,
  type ExchangeService,
  type Item,
  type SendCancellationsMode,
} from 'ews-javascript-api';
import { DEMO_ADDRESSES, DEMO_BENIGN_MESSAGE_ID, DEMO_MESSAGE_ID } from '../src/sim/demo.js';
import { syntheticScenario, SYNTHETIC_CAMPAIGN_ID } from '../src/sim/generate.js';
import { Tenant } from '../src/sim/model.js';
import { mailboxId, messageIdProperty, schemaCheckedSuite, startEwsHarness } from './support/ews-harness.js';

/**
 * The EWS face's mailbox changes through ews-javascript-api (raw SOAP where the library cannot
 * say it): MIME export and import, deletions, and FindItem's result caps. Every response of
 * every test is checked against messages.xsd.
 */

const a = DEMO_ADDRESSES;

/** The base64 MIME GetItem returns for the mailbox's copy of a Message-ID in a folder. */
async function exportedMime(service: ExchangeService, folder: FolderId, messageId: string): Promise<MimeContent> {
  const found = await service.FindItems(folder, new SearchFilter.IsEqualTo(messageIdProperty, messageId), new ItemView(10));
  assert.equal(found.TotalCount, 1, `one copy of ${messageId}`);
  const responses = await service.BindToItems([found.Items[0]!.Id], new PropertySet(BasePropertySet.IdOnly, [ItemSchema.MimeContent]));
  return responses.Responses[0]!.Item.MimeContent;
}

describe('EWS face MIME export and import', () => {
  const suite = schemaCheckedSuite(() => startEwsHarness());

  test('GetItem with MimeContent exports the message as RFC 5322, its attachment included', async () => {
    const service = suite.harness().service(a.carol);
    const inboxFolders = await service.FindFolders(WellKnownFolderName.Inbox, new FolderView(10));
    const invoices = inboxFolders.Folders.find((folder) => folder.DisplayName === 'Invoices')!;
    const mime = await exportedMime(service, invoices.Id, DEMO_MESSAGE_ID);
    assert.equal(mime.CharacterSet, 'UTF-8');
    assert.match(suite.harness().bodies.at(-1)!, /<t:Message><t:MimeContent CharacterSet="UTF-8">[A-Za-z0-9+/=]+<\/t:MimeContent><t:ItemId /);
    const parsed = await simpleParser(Buffer.from(mime.Content, 'base64'));
    assert.equal(parsed.messageId, DEMO_MESSAGE_ID);
    assert.equal(parsed.subject, 'Overdue invoice 4471');
    assert.deepEqual(
      parsed.attachments.map((attachment) => attachment.filename),
      ['invoice-4471.html'],
    );
    assert.match(parsed.attachments[0]!.content.toString('utf8'), /billing-portal\.example\/pay/);
  });

  test('GetItem honours the shape\'s IncludeMimeContent flag', async () => {
    const harness = suite.harness();
    const tenant = harness.sim.context.tenant.current;
    const copy = tenant.findMessages(mailboxId(tenant, a.bob), DEMO_MESSAGE_ID)[0]!;
    const answer = await harness.soap(
      `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape>
        <m:ItemIds><t:ItemId Id="${copy.itemId}"/></m:ItemIds></m:GetItem>`,
      { impersonate: a.bob },
    );
    const base64 = /<t:MimeContent CharacterSet="UTF-8">([^<]+)</.exec(answer.body)?.[1];
    assert.ok(base64, answer.body);
    assert.equal((await simpleParser(Buffer.from(base64, 'base64'))).messageId, DEMO_MESSAGE_ID);
  });

  test('CreateItem SaveOnly from exported MIME puts the message into another mailbox\'s folder', async () => {
    const harness = suite.harness();
    const mime = await exportedMime(harness.service(a.bob), new FolderId(WellKnownFolderName.Inbox), DEMO_MESSAGE_ID);
    const dave = harness.service(a.dave);
    const held = new Folder(dave);
    held.DisplayName = 'Held for review';
    await held.Save(WellKnownFolderName.MsgFolderRoot);

    const copy = new EmailMessage(dave);
    copy.MimeContent = new MimeContent('UTF-8', mime.Content);
    copy.IsRead = true;
    await copy.Save(held.Id);
    assert.match(harness.bodies.at(-1)!, /<m:CreateItemResponseMessage ResponseClass="Success">.*<t:Message><t:ItemId Id="[^"]+"/);

    const view = new ItemView(10);
    view.PropertySet = new PropertySet(BasePropertySet.IdOnly, [ItemSchema.Subject, EmailMessageSchema.IsRead]);
    const found = await dave.FindItems(held.Id, new SearchFilter.IsEqualTo(messageIdProperty, DEMO_MESSAGE_ID), view);
    assert.equal(found.TotalCount, 1);
    const stored = found.Items[0] as EmailMessage;
    assert.equal(stored.Id.UniqueId, copy.Id.UniqueId);
    assert.equal(stored.Subject, 'Overdue invoice 4471');
    assert.equal(stored.IsRead, true);
    const again = await exportedMime(dave, held.Id, DEMO_MESSAGE_ID);
    assert.equal(again.Content, mime.Content, 'an imported message exports the bytes it came as');
  });

  test('CreateItem into a distinguished folder, unread unless told otherwise, a Message-ID assigned when missing', async () => {
    const harness = suite.harness();
    const mime = await exportedMime(harness.service(a.alice), new FolderId(WellKnownFolderName.Inbox), DEMO_BENIGN_MESSAGE_ID);
    const copy = new EmailMessage(harness.service(a.carol));
    copy.MimeContent = new MimeContent('UTF-8', mime.Content);
    await copy.Save(WellKnownFolderName.JunkEmail);
    const tenant = harness.sim.context.tenant.current;
    const [placement] = tenant.locate(DEMO_BENIGN_MESSAGE_ID).filter((p) => p.mailbox === a.carol);
    assert.equal(placement?.folderPath, 'Junk Email');
    assert.equal(placement?.isRead, false);

    const withoutId = new EmailMessage(harness.service(a.carol));
    withoutId.MimeContent = new MimeContent('UTF-8', Buffer.from('From: someone@outside.example\r\nSubject: No Message-ID\r\n\r\nHello').toString('base64'));
    await withoutId.Save(WellKnownFolderName.Inbox);
    const assigned = tenant.messagesOf(mailboxId(tenant, a.carol)).find((message) => message.subject === 'No Message-ID');
    assert.match(assigned?.internetMessageId ?? '', /^<[0-9a-f-]{36}@demo\.clawback\.test>$/, 'a MIME without Message-ID gets one at the mailbox\'s domain');
  });

  test('CreateItem refuses MIME it cannot convert and stores nothing', async () => {
    const harness = suite.harness();
    const tenant = harness.sim.context.tenant.current;
    const dave = mailboxId(tenant, a.dave);
    const before = tenant.messagesOf(dave).length;
    const cases: [string, ServiceError][] = [
      ['this is not base64!', ServiceError.ErrorMimeContentInvalidBase64String],
      [Buffer.from('Subject: no sender at all\r\n\r\nbody').toString('base64'), ServiceError.ErrorMimeContentConversionFailed],
      ['', ServiceError.ErrorMimeContentConversionFailed],
    ];
    for (const [content, code] of cases) {
      const bad = new EmailMessage(harness.service(a.dave));
      bad.MimeContent = new MimeContent('UTF-8', content);
      await assert.rejects(bad.Save(WellKnownFolderName.Inbox), (error: unknown) => {
        assert.ok(error instanceof ServiceResponseException);
        assert.equal(error.ErrorCode, code);
        return true;
      });
      assert.match(harness.bodies.at(-1)!, /<m:CreateItemResponseMessage ResponseClass="Error">/);
    }
    assert.equal(tenant.messagesOf(dave).length, before);
  });

  test('CreateItem that would send mail, or names no disposition, is refused and stores nothing', async () => {
    const harness = suite.harness();
    const tenant = harness.sim.context.tenant.current;
    const dave = mailboxId(tenant, a.dave);
    const before = tenant.messagesOf(dave).length;
    const mime = await exportedMime(harness.service(a.bob), new FolderId(WellKnownFolderName.Inbox), DEMO_MESSAGE_ID);
    const send = new EmailMessage(harness.service(a.dave));
    send.MimeContent = new MimeContent('UTF-8', mime.Content);
    await assert.rejects(send.SendAndSaveCopy(), (error: unknown) => {
      assert.ok(error instanceof ServiceResponseException);
      assert.equal(error.ErrorCode, ServiceError.ErrorInvalidOperation);
      assert.match(error.Message, /sends no mail/);
      return true;
    });
    const answer = await harness.soap(
      `<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="inbox"/></m:SavedItemFolderId>
        <m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">${mime.Content}</t:MimeContent></t:Message></m:Items></m:CreateItem>`,
      { impersonate: a.dave },
    );
    assert.match(answer.body, /ResponseClass="Error">.*<m:ResponseCode>ErrorMessageDispositionRequired</);
    assert.equal(tenant.messagesOf(dave).length, before);
  });
});

describe('EWS face DeleteItem and the SoftDeleted traversal', () => {
  const suite = schemaCheckedSuite(() => startEwsHarness());
  const softDeletedView = () => {
    const view = new ItemView(10);
    view.Traversal = ItemTraversal.SoftDeleted;
    view.PropertySet = new PropertySet(BasePropertySet.IdOnly, [EmailMessageSchema.InternetMessageId]);
    return view;
  };
  const messageIds = (items: Item[]) => items.map((item) => (item as EmailMessage).InternetMessageId);

  test('SoftDelete moves the item to Recoverable Items, where a SoftDeleted traversal of its folder finds it', async () => {
    const harness = suite.harness();
    const bob = harness.service(a.bob);
    const found = await bob.FindItems(WellKnownFolderName.Inbox, new SearchFilter.IsEqualTo(messageIdProperty, DEMO_MESSAGE_ID), new ItemView(10));
    await found.Items[0]!.Delete(DeleteMode.SoftDelete);
    assert.match(harness.bodies.at(-1)!, /<m:DeleteItemResponseMessage ResponseClass="Success">/);

    const shallowView = new ItemView(10);
    shallowView.PropertySet = softDeletedView().PropertySet;
    assert.deepEqual(messageIds((await bob.FindItems(WellKnownFolderName.Inbox, shallowView)).Items), [DEMO_BENIGN_MESSAGE_ID]);
    assert.deepEqual(messageIds((await bob.FindItems(WellKnownFolderName.Inbox, softDeletedView())).Items), [DEMO_MESSAGE_ID]);
    assert.equal((await bob.FindItems(WellKnownFolderName.SentItems, softDeletedView())).TotalCount, 0);
    assert.equal((await bob.FindItems(WellKnownFolderName.RecoverableItemsDeletions, shallowView)).TotalCount, 1);
    // Exchange documents that a SoftDeleted traversal with a restriction returns no items.
    const restricted = await bob.FindItems(WellKnownFolderName.Inbox, new SearchFilter.IsEqualTo(messageIdProperty, DEMO_MESSAGE_ID), softDeletedView());
    assert.equal(restricted.TotalCount, 0);

    const tenant = harness.sim.context.tenant.current;
    const [placement] = tenant.locate(DEMO_MESSAGE_ID).filter((p) => p.mailbox === a.bob);
    assert.equal(placement?.folderPath, 'Recoverable Items');
  });

  test('moving a soft-deleted item out of Recoverable Items ends its soft deletion', async () => {
    const bob = suite.harness().service(a.bob);
    const softDeleted = await bob.FindItems(WellKnownFolderName.Inbox, softDeletedView());
    await bob.MoveItems([softDeleted.Items[0]!.Id], new FolderId(WellKnownFolderName.Inbox), false);
    assert.equal((await bob.FindItems(WellKnownFolderName.Inbox, softDeletedView())).TotalCount, 0);
    assert.equal((await bob.FindItems(WellKnownFolderName.Inbox, new ItemView(10))).TotalCount, 2);
  });

  test('MoveToDeletedItems moves to Deleted Items, HardDelete removes, an unknown id fails alone', async () => {
    const harness = suite.harness();
    const alice = harness.service(a.alice);
    const benign = await alice.FindItems(WellKnownFolderName.Inbox, new SearchFilter.IsEqualTo(messageIdProperty, DEMO_BENIGN_MESSAGE_ID), new ItemView(10));
    await benign.Items[0]!.Delete(DeleteMode.MoveToDeletedItems);
    const deleted = await alice.FindItems(WellKnownFolderName.DeletedItems, new ItemView(10));
    assert.equal(deleted.TotalCount, 1);
    assert.equal((await alice.FindItems(WellKnownFolderName.Inbox, softDeletedView())).TotalCount, 0, 'a move to Deleted Items is no soft delete');

    // Both options concern calendar items and tasks; the library leaves them out when null.
    const responses = await alice.DeleteItems([deleted.Items[0]!.Id, new ItemId('itm-does-not-exist')], DeleteMode.HardDelete, null as unknown as SendCancellationsMode, null as unknown as AffectedTaskOccurrence);
    assert.deepEqual(
      responses.Responses.map((r) => r.Result),
      [ServiceResult.Success, ServiceResult.Error],
    );
    assert.equal(responses.Responses[1]!.ErrorCode, ServiceError.ErrorItemNotFound);
    const tenant = harness.sim.context.tenant.current;
    assert.deepEqual(tenant.locate(DEMO_BENIGN_MESSAGE_ID).map((p) => p.mailbox), [a.bob]);
  });
});

describe('EWS face FindItem result caps', () => {
  const owner = 'user0@bench.clawback.test';
  const tenant = Tenant.fromScenario(syntheticScenario({ mailboxes: 1, listFanout: 1, forwardChains: 0, forwardChainLength: 0, noisePerMailbox: 1100 }));
  const ownerId = mailboxId(tenant, owner);
  const campaign = tenant.findMessages(ownerId, SYNTHETIC_CAMPAIGN_ID)[0]!;
  for (let i = 0; i < 300; i++) tenant.importMessage(ownerId, 'junkemail', Tenant.contentOf(campaign));
  const suite = schemaCheckedSuite(() => startEwsHarness({ tenant }));

  /** Pages through a folder with views asking for more than any cap; returns each page's size and the ids. */
  async function pageSizes(folder: WellKnownFolderName, filter: SearchFilter | undefined): Promise<{ sizes: number[]; ids: Set<string> }> {
    const service = suite.harness().service(owner);
    const sizes: number[] = [];
    const ids = new Set<string>();
    for (let offset = 0, more = true; more; ) {
      const view = new ItemView(5000, offset);
      view.PropertySet = PropertySet.IdOnly;
      const page = filter ? await service.FindItems(folder, filter, view) : await service.FindItems(folder, view);
      sizes.push(page.Items.length);
      for (const item of page.Items) ids.add(item.Id.UniqueId);
      if (page.MoreAvailable) assert.match(suite.harness().bodies.at(-1)!, /IncludesLastItemInRange="false"/);
      more = page.MoreAvailable;
      offset = page.NextPageOffset ?? offset;
    }
    return { sizes, ids };
  }

  test('without a restriction a page holds at most 1000 items and paging continues', async () => {
    const { sizes, ids } = await pageSizes(WellKnownFolderName.Inbox, undefined);
    assert.deepEqual(sizes, [1000, 101]);
    assert.equal(ids.size, 1101);
  });

  test('with a restriction a page holds at most 250 items and paging continues', async () => {
    const { sizes, ids } = await pageSizes(WellKnownFolderName.JunkEmail, new SearchFilter.IsEqualTo(messageIdProperty, SYNTHETIC_CAMPAIGN_ID));
    assert.deepEqual(sizes, [250, 50]);
    assert.equal(ids.size, 300);
  });
});


describe('EWS face UpdateItem', () => {
  const suite = schemaCheckedSuite(() => startEwsHarness());

  test('sets the read state through the library, and refuses any other field for that item alone', async () => {
    const harness = suite.harness();
    const tenant = harness.sim.context.tenant.current;
    const bob = harness.service(a.bob);
    const before = tenant.findMessages(mailboxId(tenant, a.bob), DEMO_MESSAGE_ID)[0]!;
    const item = await EmailMessage.Bind(bob, new ItemId(before.itemId), new PropertySet(BasePropertySet.IdOnly, [EmailMessageSchema.IsRead]));
    item.IsRead = !before.isRead;
    await item.Update(ConflictResolutionMode.AlwaysOverwrite);
    assert.match(harness.bodies.at(-1)!, /<m:UpdateItemResponseMessage ResponseClass="Success">.*<m:ConflictResults><t:Count>0<\/t:Count><\/m:ConflictResults>/);
    const after = tenant.message(mailboxId(tenant, a.bob), before.itemId)!;
    assert.equal(after.isRead, !before.isRead);
    assert.equal(after.folderId, before.folderId, 'an update does not move the message');

    const subject = await harness.soap(
      `<m:UpdateItem MessageDisposition="SaveOnly" ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange>
        <t:ItemId Id="${before.itemId}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>x</t:Subject></t:Message></t:SetItemField></t:Updates>
        </t:ItemChange></m:ItemChanges></m:UpdateItem>`,
      { impersonate: a.bob },
    );
    assert.match(subject.body, /ResponseClass="Error">.*<m:ResponseCode>ErrorInvalidPropertySet<\/m:ResponseCode>/s);
    assert.equal(tenant.message(mailboxId(tenant, a.bob), before.itemId)!.subject, before.subject);
  });
});
