import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Agent } from 'undici';
import { after, before, describe, test } from 'node:test';
import {
  BasePropertySet,
  ConnectingIdType,
  EmailMessage,
  EmailMessageSchema,
  ExchangeService,
  ExchangeVersion,
  ExtendedPropertyDefinition,
  Folder,
  FolderId,
  FolderSchema,
  FolderTraversal,
  FolderView,
  ImpersonatedUserId,
  ItemId,
  ItemSchema,
  ItemView,
  MailboxType,
  MapiPropertyType,
  PropertySet,
  ResolveNameSearchLocation,
  SearchFilter,
  ServiceError,
  ServiceErrorHandling,
  ServiceResponseException,
  ServiceResult,
  SoapFaultDetails,
  Uri,
  WebCredentials,
  WellKnownFolderName,
  type FindItemResponse,
  type Item,
  type ServiceResponseCollection,
  type ViewBase,
} from 'ews-javascript-api';
import { DEMO_ADDRESSES, DEMO_FORWARD_ID, DEMO_MESSAGE_ID, demoScenario } from '../src/sim/demo.js';
import { createEwsFace, DEMO_EWS_ACCOUNT, EWS_PATH, ewsFace } from '../src/sim/ews/index.js';
import { Tenant } from '../src/sim/model.js';
import { startSimServer, type SimServer } from '../src/sim/server.js';
import type { Face } from '../src/sim/face.js';
import type { FaultPlanInput } from '../src/sim/faults.js';
import { ewsFetchXhr } from './support/ews-xhr.js';
import { prepareSchemaCopy, schemaErrors, schemaValidationUnavailable, soapBodyChild } from './support/ews-schema.js';

const a = DEMO_ADDRESSES;

/** PR_INTERNET_MESSAGE_ID and PR_IN_REPLY_TO_ID, as a remediation client asks for them. */
const messageIdProperty = new ExtendedPropertyDefinition(0x1035, MapiPropertyType.String);
const inReplyToProperty = new ExtendedPropertyDefinition(0x1042, MapiPropertyType.String);
const hiddenProperty = new ExtendedPropertyDefinition(0x10f4, MapiPropertyType.Boolean);

/**
 * FindItem over several folders in one request: the library supports it through its six-argument
 * form, which its type declarations leave out.
 */
type MultiFolderFindItems = (
  parentFolderIds: FolderId[],
  searchFilter: SearchFilter,
  queryString: null,
  view: ViewBase,
  groupBy: null,
  errorHandlingMode: ServiceErrorHandling,
) => Promise<ServiceResponseCollection<FindItemResponse<Item>>>;

interface Harness {
  sim: SimServer;
  /** Every response body the client received, newest last. */
  bodies: string[];
  service(impersonate?: string, credentials?: { username: string; password: string }): ExchangeService;
}

async function startHarness(options: { faces?: Face[]; tenant?: Tenant; faults?: FaultPlanInput } = {}): Promise<Harness> {
  const sim = await startSimServer({ tenant: options.tenant ?? Tenant.fromScenario(demoScenario), faces: options.faces ?? [ewsFace], ...(options.faults ? { faults: options.faults } : {}) });
  const bodies: string[] = [];
  return {
    sim,
    bodies,
    service(impersonate, credentials = DEMO_EWS_ACCOUNT) {
      const service = new ExchangeService(ExchangeVersion.Exchange2013);
      service.Url = new Uri(`${sim.url}${EWS_PATH}`);
      service.Credentials = new WebCredentials(credentials.username, credentials.password);
      service.XHRApi = ewsFetchXhr(sim.caCert, (body) => bodies.push(body));
      if (impersonate) service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, impersonate);
      return service;
    },
  };
}

function findItemsInFolders(service: ExchangeService, folderIds: FolderId[], filter: SearchFilter, view: ViewBase) {
  const findItems = service.FindItems as unknown as MultiFolderFindItems;
  return findItems.call(service, folderIds, filter, null, view, null, ServiceErrorHandling.ReturnErrors);
}

/** Every folder of the mailbox from a deep FindFolder, plus Recoverable Items, which lies outside it. */
async function searchableFolderIds(service: ExchangeService): Promise<FolderId[]> {
  const view = new FolderView(1000);
  view.Traversal = FolderTraversal.Deep;
  const found = await service.FindFolders(WellKnownFolderName.MsgFolderRoot, view);
  return [new FolderId(WellKnownFolderName.RecoverableItemsDeletions), ...found.Folders.map((folder) => folder.Id)];
}

/** What a client reads to know how long to wait after ErrorServerBusy. */
function backOffMilliseconds(details: { containsKey(key: string): boolean; get(key: string): string }): number | undefined {
  return details.containsKey('BackOffMilliseconds') ? Number(details.get('BackOffMilliseconds')) : undefined;
}

describe('EWS face through ews-javascript-api', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.sim.close();
  });

  test('ResolveNames resolves an alias to its mailbox', async () => {
    const resolutions = await harness.service().ResolveName(`smtp:${a.aliceAlias}`, ResolveNameSearchLocation.DirectoryOnly, true);
    assert.equal(resolutions.Count, 1);
    const mailbox = resolutions._getItem(0).Mailbox;
    assert.equal(mailbox.Address, a.alice);
    assert.equal(mailbox.Name, 'Alice Smith');
    assert.equal(mailbox.RoutingType, 'SMTP');
    assert.equal(mailbox.MailboxType, MailboxType.Mailbox);
    const bare = await harness.service().ResolveName(a.aliceAlias.toUpperCase(), ResolveNameSearchLocation.DirectoryOnly, false);
    assert.equal(bare._getItem(0).Mailbox.Address, a.alice);
  });

  test('ResolveNames warns when a name matches several entries', async () => {
    const resolutions = await harness.service().ResolveName('a', ResolveNameSearchLocation.DirectoryOnly, false);
    assert.ok(resolutions.Count > 1);
    assert.match(harness.bodies.at(-1)!, /ResponseClass="Warning"[\s\S]*<m:ResponseCode>ErrorNameResolutionMultipleResults</);
  });

  test('ResolveNames with no match answers ErrorNameResolutionNoResults', async () => {
    const resolutions = await harness.service().ResolveName('smtp:nobody@demo.clawback.test', ResolveNameSearchLocation.DirectoryOnly, false);
    assert.equal(resolutions.Count, 0);
    assert.match(harness.bodies.at(-1)!, /ResponseClass="Error"[\s\S]*<m:ResponseCode>ErrorNameResolutionNoResults</);
  });

  test('ExpandDL answers one level, and client-side recursion ends on the nested cycle', async () => {
    const service = harness.service();
    const firstLevel = await service.ExpandGroup(a.allStaff);
    const members = firstLevel.Members.map((m) => [m.Address, m.MailboxType]);
    assert.deepEqual(members, [
      [a.alice, MailboxType.Mailbox],
      [a.teamEng, MailboxType.PublicGroup],
    ]);

    const mailboxes = new Set<string>();
    const expanded = new Set<string>();
    const expand = async (address: string): Promise<void> => {
      if (expanded.has(address)) return;
      expanded.add(address);
      for (const member of (await service.ExpandGroup(address)).Members) {
        if (member.MailboxType === MailboxType.PublicGroup) await expand(member.Address);
        else mailboxes.add(member.Address);
      }
    };
    await expand(a.allStaff);
    assert.deepEqual([...mailboxes].sort(), [a.alice, a.bob, a.carol].sort());
    assert.deepEqual([...expanded].sort(), [a.allStaff, a.teamEng].sort());
  });

  test('FindFolder Deep lists nested folders with counts', async () => {
    const view = new FolderView(100);
    view.Traversal = FolderTraversal.Deep;
    const found = await harness.service(a.carol).FindFolders(WellKnownFolderName.MsgFolderRoot, view);
    const byName = new Map(found.Folders.map((folder) => [folder.DisplayName, folder]));
    assert.ok(byName.has('Inbox') && byName.has('Invoices') && byName.has('Junk Email'));
    assert.ok(!byName.has('Recoverable Items'), 'Recoverable Items lies outside msgfolderroot');
    assert.equal(byName.get('Invoices')!.TotalCount, 1);
    assert.equal(byName.get('Inbox')!.ChildFolderCount, 1);
  });

  test('FindItem by Message-ID (decimal tag) across every folder and Recoverable Items', async () => {
    const service = harness.service(a.carol);
    const folderIds = await searchableFolderIds(service);
    const view = new ItemView(10);
    view.PropertySet = new PropertySet(BasePropertySet.IdOnly, [ItemSchema.Subject]);
    const responses = await findItemsInFolders(service, folderIds, new SearchFilter.IsEqualTo(messageIdProperty, DEMO_MESSAGE_ID), view);
    assert.equal(responses.Count, folderIds.length, 'one response message per folder');
    assert.match(harness.bodies.at(-2) ?? '', /FindFolder/);
    const hits = responses.Responses.flatMap((response) => response.Results.Items);
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.Subject, 'Overdue invoice 4471');
  });

  test('FindItem answers in the order of the requested folders, Recoverable Items included', async () => {
    const tenant = harness.sim.context.tenant.current;
    const bob = tenant.resolveAddress(a.bob);
    assert.ok(bob?.kind === 'mailbox');
    tenant.move(bob.mailbox.id, tenant.findMessages(bob.mailbox.id, DEMO_MESSAGE_ID)[0]!.immutableId, 'recoverableitemsdeletions');
    const service = harness.service(a.bob);
    const folderIds = await searchableFolderIds(service);
    const responses = await findItemsInFolders(service, folderIds, new SearchFilter.IsEqualTo(messageIdProperty, DEMO_MESSAGE_ID), new ItemView(10));
    assert.deepEqual(
      responses.Responses.map((response) => response.Results.TotalCount),
      folderIds.map((_, i) => (i === 0 ? 1 : 0)),
    );
  });

  test('GetItem returns the requested fields and In-Reply-To through 0x1042', async () => {
    const service = harness.service(a.dave);
    const inbox = await service.FindItems(WellKnownFolderName.Inbox, new ItemView(10));
    const forward = inbox.Items[0]!;
    const properties = new PropertySet(BasePropertySet.IdOnly, [
      ItemSchema.Subject,
      EmailMessageSchema.IsRead,
      EmailMessageSchema.InternetMessageId,
      ItemSchema.ParentFolderId,
      ItemSchema.DateTimeReceived,
      ItemSchema.ConversationId,
      inReplyToProperty,
    ]);
    const responses = await service.BindToItems([forward.Id], properties);
    const item = responses.Responses[0]!.Item;
    assert.ok(item instanceof EmailMessage);
    assert.equal(item.Subject, 'FW: Overdue invoice 4471');
    assert.equal(item.InternetMessageId, DEMO_FORWARD_ID);
    assert.equal(item.IsRead, false);
    assert.ok(item.ParentFolderId.UniqueId.length > 0);
    assert.ok(item.ConversationId.UniqueId.length > 0);
    assert.equal(item.DateTimeReceived.ToISOString(), '2026-12-01T09:31:00.000Z');
    const inReplyTo = { outValue: null as unknown };
    assert.ok(item.ExtendedProperties.TryGetValue(inReplyToProperty, inReplyTo));
    assert.equal(inReplyTo.outValue, DEMO_MESSAGE_ID);
  });

  test('MoveItem moves several items, returns new ids and fails only the unknown one', async () => {
    const service = harness.service(a.alice);
    const inbox = await service.FindItems(WellKnownFolderName.Inbox, new ItemView(10));
    const ids = inbox.Items.map((item) => item.Id);
    assert.equal(ids.length, 2);
    const responses = await service.MoveItems([...ids, new ItemId('itm-does-not-exist')], new FolderId(WellKnownFolderName.DeletedItems), true);
    assert.deepEqual(
      responses.Responses.map((r) => r.Result),
      [ServiceResult.Success, ServiceResult.Success, ServiceResult.Error],
    );
    assert.equal(responses.Responses[2]!.ErrorCode, ServiceError.ErrorItemNotFound);
    const newIds = responses.Responses.slice(0, 2).map((r) => r.Item.Id.UniqueId);
    assert.ok(newIds.every((id, i) => id !== ids[i]!.UniqueId), 'a move gives the item a new id');
    const deleted = await service.FindItems(WellKnownFolderName.DeletedItems, new ItemView(10));
    assert.deepEqual(deleted.Items.map((item) => item.Id.UniqueId).sort(), [...newIds].sort());
  });

  test('CreateFolder refuses a duplicate name with ErrorFolderExists', async () => {
    const service = harness.service(a.bob);
    const quarantine = new Folder(service);
    quarantine.DisplayName = 'Quarantine';
    quarantine.SetExtendedProperty(hiddenProperty, true);
    await quarantine.Save(WellKnownFolderName.MsgFolderRoot);
    const tenant = harness.sim.context.tenant.current;
    const bob = tenant.resolveAddress(a.bob);
    assert.equal(bob?.kind === 'mailbox' && tenant.findFolder(bob.mailbox.id, 'Quarantine')?.isHidden, true);
    const duplicate = new Folder(service);
    duplicate.DisplayName = 'quarantine';
    await assert.rejects(duplicate.Save(WellKnownFolderName.MsgFolderRoot), (error: unknown) => {
      assert.ok(error instanceof ServiceResponseException);
      assert.equal(error.ErrorCode, ServiceError.ErrorFolderExists);
      return true;
    });
  });
});

describe('EWS face paging', () => {
  const owner = 'pager@paging.test';
  const pagingScenario = {
    tenantId: 'paging',
    domains: ['paging.test'],
    users: [{ address: owner, displayName: 'Pager' }],
    messages: Array.from({ length: 7 }, (_, i) => ({
      messageId: `<page-${i}@paging.test>`,
      from: 'sender@outside.example',
      to: [owner],
      subject: `Message ${i}`,
      date: `2026-12-0${i + 1}T10:00:00Z`,
      body: 'paging',
    })),
  };
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ tenant: Tenant.fromScenario(pagingScenario) });
  });
  after(async () => {
    await harness.sim.close();
  });

  test('IndexedPageItemView pages newest first until IncludesLastItemInRange', async () => {
    const service = harness.service(owner);
    const subjects: string[] = [];
    const offsets: number[] = [];
    for (let offset = 0, more = true; more; ) {
      const view = new ItemView(3, offset);
      view.PropertySet = new PropertySet(BasePropertySet.IdOnly, [ItemSchema.Subject]);
      const page = await service.FindItems(WellKnownFolderName.Inbox, view);
      assert.equal(page.TotalCount, 7);
      subjects.push(...page.Items.map((item) => item.Subject));
      offsets.push(page.NextPageOffset ?? -1);
      more = page.MoreAvailable;
      offset = page.NextPageOffset ?? offset;
    }
    assert.deepEqual(offsets, [3, 6, -1]);
    assert.deepEqual(subjects, Array.from({ length: 7 }, (_, i) => `Message ${6 - i}`));
  });
});

describe('EWS face authentication, impersonation and throttling', () => {
  const throttlePlan: FaultPlanInput = { faults: [{ operation: 'ews.FindFolder', kind: 'throttle', retryAfterMs: 297749, times: 1 }] };

  test('wrong credentials are refused with HTTP 401', async () => {
    const harness = await startHarness();
    try {
      await assert.rejects(harness.service(a.alice, { username: DEMO_EWS_ACCOUNT.username, password: 'wrong' }).FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(10)), (error: unknown) => {
        assert.equal((error as { HttpStatusCode?: number }).HttpStatusCode, 401);
        return true;
      });
    } finally {
      await harness.sim.close();
    }
  });

  // ews-javascript-api's OAuthCredentials only takes JWT-shaped tokens and the tenant issues opaque
  // ones, so this request is sent by hand; it also names the mailbox by X-AnchorMailbox alone.
  test('a bearer token the tenant issued for EWS is accepted, X-AnchorMailbox names the mailbox', async () => {
    const harness = await startHarness();
    try {
      const token = harness.sim.context.tokens.issue({ face: 'ews', clientId: 'clawback-test' }).accessToken;
      const findInbox = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
  <soap:Header><t:RequestServerVersion Version="Exchange2013"/></soap:Header>
  <soap:Body><m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
    <m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem></soap:Body>
</soap:Envelope>`;
      const send = (authorization: string) =>
        fetch(`${harness.sim.url}${EWS_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'text/xml; charset=utf-8', authorization, 'x-anchormailbox': a.bob },
          body: findInbox,
          dispatcher: new Agent({ connect: { ca: harness.sim.caCert } }),
        });
      const accepted = await send(`Bearer ${token}`);
      assert.equal(accepted.status, 200);
      assert.match(accepted.headers.get('content-type') ?? '', /^text\/xml; charset=utf-8/);
      assert.match(await accepted.text(), /TotalItemsInView="2"/);
      assert.equal((await send('Bearer not-issued')).status, 401);
    } finally {
      await harness.sim.close();
    }
  });

  test('impersonating an unknown address is ErrorNonExistentMailbox', async () => {
    const harness = await startHarness();
    try {
      await assert.rejects(harness.service('ghost@demo.clawback.test').FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(10)), (error: unknown) => {
        assert.equal((error as { ResponseCode?: number }).ResponseCode, ServiceError.ErrorNonExistentMailbox);
        return true;
      });
      assert.match(harness.bodies.at(-1)!, /<e:ResponseCode[^>]*>ErrorNonExistentMailbox</);
    } finally {
      await harness.sim.close();
    }
  });

  test('requests beyond the account\'s concurrency limit get ErrorServerBusy', async () => {
    const harness = await startHarness({
      faces: [createEwsFace({ maxConcurrency: 2 })],
      faults: { latency: [{ operation: 'ews.FindFolder', minMs: 150, maxMs: 150 }] },
    });
    try {
      const service = harness.service(a.alice);
      const outcomes = await Promise.allSettled([1, 2, 3].map(() => service.FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(10))));
      assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'fulfilled', 'rejected']);
      const rejected = outcomes.find((o) => o.status === 'rejected')!.reason as SoapFaultDetails;
      assert.equal(rejected.ResponseCode, ServiceError.ErrorServerBusy);
      assert.ok((backOffMilliseconds(rejected.ErrorDetails) ?? 0) > 0);
    } finally {
      await harness.sim.close();
    }
  });

  test('a status fault answers that HTTP status with a SOAP fault', async () => {
    const harness = await startHarness({ faults: { faults: [{ operation: 'ews.GetItem', kind: 'status', status: 503 }] } });
    try {
      await assert.rejects(harness.service(a.alice).BindToItems([new ItemId('itm-1')], PropertySet.IdOnly), (error: unknown) => {
        assert.equal((error as { HttpStatusCode?: number }).HttpStatusCode, 503);
        return true;
      });
      assert.match(harness.bodies.at(-1)!, /<s:Fault>/);
      assert.equal(harness.sim.context.counters.snapshot().requests['ews.GetItem'], 1);
    } finally {
      await harness.sim.close();
    }
  });

  test('ErrorServerBusy as a SOAP fault carries BackOffMilliseconds', async () => {
    const harness = await startHarness({ faults: throttlePlan });
    try {
      await assert.rejects(harness.service(a.alice).FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(10)), (error: unknown) => {
        // The library rejects with the fault's details rather than throwing ServerBusyException.
        assert.ok(error instanceof SoapFaultDetails);
        assert.equal(error.HttpStatusCode, 500);
        assert.equal(error.ResponseCode, ServiceError.ErrorServerBusy);
        assert.equal(backOffMilliseconds(error.ErrorDetails), 297749);
        return true;
      });
      assert.equal(harness.sim.context.counters.snapshot().throttles['ews.FindFolder'], 1);
    } finally {
      await harness.sim.close();
    }
  });

  test('ErrorServerBusy as a response message of class Error carries BackOffMilliseconds', async () => {
    const harness = await startHarness({ faces: [createEwsFace({ throttleForm: 'responseMessage' })], faults: throttlePlan });
    try {
      await assert.rejects(harness.service(a.alice).FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(10)), (error: unknown) => {
        assert.ok(error instanceof ServiceResponseException);
        assert.equal(error.ErrorCode, ServiceError.ErrorServerBusy);
        assert.equal(backOffMilliseconds(error.Response.ErrorDetails), 297749);
        return true;
      });
    } finally {
      await harness.sim.close();
    }
  });
});

describe('EWS face responses validate against messages.xsd', () => {
  test('every operation response, success, warning and error alike', async (t) => {
    const unavailable = schemaValidationUnavailable();
    if (unavailable) {
      t.skip(`schema validation skipped: ${unavailable}`);
      return;
    }
    const schemaDir = prepareSchemaCopy();
    t.after(() => rmSync(schemaDir, { recursive: true, force: true }));
    const harness = await startHarness({
      faces: [createEwsFace({ throttleForm: 'responseMessage' })],
      faults: { faults: [{ operation: 'ews.ExpandDL', kind: 'throttle', retryAfterMs: 500, times: 1 }] },
    });
    try {
      const directory = harness.service();
      await directory.ExpandGroup(a.allStaff).catch(() => undefined);
      await directory.ExpandGroup(a.allStaff);
      await directory.ResolveName(a.aliceAlias, ResolveNameSearchLocation.DirectoryOnly, true);
      await directory.ResolveName('a', ResolveNameSearchLocation.DirectoryOnly, false);
      await directory.ResolveName('nobody', ResolveNameSearchLocation.DirectoryOnly, false);

      const service = harness.service(a.alice);
      const folderIds = await searchableFolderIds(service);
      const view = new ItemView(5);
      const found = await findItemsInFolders(service, folderIds, new SearchFilter.IsEqualTo(messageIdProperty, DEMO_MESSAGE_ID), view);
      const ids = found.Responses.flatMap((response) => response.Results.Items.map((item) => item.Id));
      await service.BindToItems(
        [...ids, new ItemId('itm-does-not-exist')],
        new PropertySet(BasePropertySet.FirstClassProperties, [EmailMessageSchema.InternetMessageId, ItemSchema.ConversationId, inReplyToProperty, messageIdProperty]),
      );
      await service.MoveItems([...ids, new ItemId('itm-does-not-exist')], new FolderId(WellKnownFolderName.JunkEmail), true);
      const hidden = new Folder(service);
      hidden.DisplayName = 'Held';
      hidden.SetExtendedProperty(hiddenProperty, true);
      await hidden.Save(WellKnownFolderName.MsgFolderRoot);
      const duplicate = new Folder(service);
      duplicate.DisplayName = 'Held';
      await duplicate.Save(WellKnownFolderName.MsgFolderRoot).catch(() => undefined);
      const folderView = new FolderView(10);
      folderView.PropertySet = new PropertySet(BasePropertySet.FirstClassProperties, [hiddenProperty, FolderSchema.UnreadCount]);
      await service.FindFolders(WellKnownFolderName.MsgFolderRoot, folderView);

      const responses = harness.bodies.map(soapBodyChild);
      const operations = responses.map((body) => /^<m:(\w+)Response /.exec(body)?.[1]);
      assert.deepEqual(new Set(operations), new Set(['ExpandDL', 'ResolveNames', 'FindFolder', 'FindItem', 'GetItem', 'MoveItem', 'CreateFolder']));
      for (const body of responses) assert.equal(schemaErrors(schemaDir, body), undefined, body);
    } finally {
      await harness.sim.close();
    }
  });
});
