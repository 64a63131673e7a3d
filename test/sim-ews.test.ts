import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import {
  BasePropertySet,
  EmailMessage,
  EmailMessageSchema,
  ExtendedPropertyDefinition,
  Folder,
  FolderId,
  FolderSchema,
  FolderTraversal,
  FolderView,
  ItemId,
  ItemSchema,
  ItemView,
  MailboxType,
  MapiPropertyType,
  OAuthCredentials,
  PropertySet,
  ResolveNameSearchLocation,
  SearchFilter,
  ServiceError,
  ServiceResponseException,
  ServiceResult,
  SoapFaultDetails,
  WebCredentials,
  WellKnownFolderName,
} from 'ews-javascript-api';
import { DEMO_ADDRESSES, DEMO_FORWARD_ID, DEMO_MESSAGE_ID, DEMO_TENANT_ID } from '../src/sim/demo.js';
import { createEwsFace, DEMO_EWS_ACCOUNT, ewsFace } from '../src/sim/ews/index.js';
import { graphFace } from '../src/sim/graph/index.js';
import { TokenService } from '../src/sim/tokens.js';
import { Tenant } from '../src/sim/model.js';
import type { FaultPlanInput } from '../src/sim/faults.js';
import { findItemsInFolders, mailboxId, messageIdProperty, searchableFolderIds, startEwsHarness, type EwsHarness } from './support/ews-harness.js';
import { responseSchemaChecker } from './support/ews-schema.js';
import { EwsTransportTimeout } from './support/ews-xhr.js';

const a = DEMO_ADDRESSES;

/** PR_IN_REPLY_TO_ID and PR_ATTR_HIDDEN, as a remediation client asks for them. */
const inReplyToProperty = new ExtendedPropertyDefinition(0x1042, MapiPropertyType.String);
const hiddenProperty = new ExtendedPropertyDefinition(0x10f4, MapiPropertyType.Boolean);

/** What a client reads to know how long to wait after ErrorServerBusy. */
function backOffMilliseconds(details: { containsKey(key: string): boolean; get(key: string): string }): number | undefined {
  return details.containsKey('BackOffMilliseconds') ? Number(details.get('BackOffMilliseconds')) : undefined;
}

describe('EWS face through ews-javascript-api', () => {
  let harness: EwsHarness;
  before(async () => {
    harness = await startEwsHarness();
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
  let harness: EwsHarness;
  before(async () => {
    harness = await startEwsHarness({ tenant: Tenant.fromScenario(pagingScenario) });
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
    const harness = await startEwsHarness();
    try {
      await assert.rejects(harness.service(a.alice, { credentials: new WebCredentials(DEMO_EWS_ACCOUNT.username, 'wrong') }).FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(10)), (error: unknown) => {
        assert.equal((error as { HttpStatusCode?: number }).HttpStatusCode, 401);
        return true;
      });
    } finally {
      await harness.sim.close();
    }
  });

  // Sent by hand: the library always impersonates, and this request names the mailbox by X-AnchorMailbox alone.
  test('a bearer token the tenant issued for EWS is accepted, X-AnchorMailbox names the mailbox', async () => {
    const harness = await startEwsHarness();
    try {
      const token = harness.sim.context.tokens.issue({ face: 'ews', clientId: 'clawback-test' }).accessToken;
      const findInbox = `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
        <m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>`;
      const send = (authorization: string) => harness.soap(findInbox, { headers: { authorization, 'x-anchormailbox': a.bob } });
      const accepted = await send(`Bearer ${token}`);
      assert.equal(accepted.status, 200);
      assert.match(accepted.contentType ?? '', /^text\/xml; charset=utf-8/);
      assert.match(accepted.body, /TotalItemsInView="2"/);
      assert.equal((await send('Bearer not-issued')).status, 401);
    } finally {
      await harness.sim.close();
    }
  });

  test('impersonating an unknown address is ErrorNonExistentMailbox', async () => {
    const harness = await startEwsHarness();
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
    const harness = await startEwsHarness({
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
    const harness = await startEwsHarness({ faults: { faults: [{ operation: 'ews.GetItem', kind: 'status', status: 503 }] } });
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
    const harness = await startEwsHarness({ faults: throttlePlan });
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
    const harness = await startEwsHarness({ faces: [createEwsFace({ throttleForm: 'responseMessage' })], faults: throttlePlan });
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
    const schema = responseSchemaChecker();
    t.after(() => schema.dispose());
    const harness = await startEwsHarness({
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

      const operations = harness.bodies.map((body) => /<m:(\w+)Response /.exec(body)?.[1]);
      assert.deepEqual(new Set(operations), new Set(['ExpandDL', 'ResolveNames', 'FindFolder', 'FindItem', 'GetItem', 'MoveItem', 'CreateFolder']));
      assert.deepEqual(schema.check(harness.bodies), []);
    } finally {
      await harness.sim.close();
    }
  });
});

/** The library reports a transport failure as SoapFaultDetails without an HTTP status, carrying the transport's message. */
function assertNoHttpAnswer(error: unknown, message: RegExp): void {
  assert.ok(error instanceof SoapFaultDetails, String(error));
  assert.equal(error.HttpStatusCode, undefined);
  assert.match((error as { message?: string }).message ?? '', message);
}

describe('EWS face transport faults', () => {
  let schema: ReturnType<typeof responseSchemaChecker>;
  before(() => {
    schema = responseSchemaChecker();
  });
  after(() => schema.dispose());

  test('a connection reset reaches the client as an error, and the next request goes through', async () => {
    const harness = await startEwsHarness({ faults: { faults: [{ operation: 'ews.FindItem', kind: 'reset', times: 1 }] } });
    try {
      const service = harness.service(a.alice);
      await assert.rejects(service.FindItems(WellKnownFolderName.Inbox, new ItemView(10)), (error: unknown) => {
        assertNoHttpAnswer(error, /fetch failed/);
        return true;
      });
      assert.equal((await service.FindItems(WellKnownFolderName.Inbox, new ItemView(10))).TotalCount, 2);
      assert.deepEqual(schema.check(harness.bodies), []);
    } finally {
      await harness.sim.close();
    }
  });

  test('a request the server never answers times out on the client (fault set through the control API)', async () => {
    const harness = await startEwsHarness();
    try {
      const plan = await fetch(`${harness.sim.controlUrl}/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ faults: [{ operation: 'ews.GetItem', kind: 'timeout', times: 1 }] }),
      });
      assert.equal(plan.status, 200);
      const service = harness.service(a.alice, { timeoutMs: 300 });
      const tenant = harness.sim.context.tenant.current;
      const copy = tenant.findMessages(mailboxId(tenant, a.alice), DEMO_MESSAGE_ID)[0]!;
      await assert.rejects(service.BindToItems([new ItemId(copy.itemId)], PropertySet.IdOnly), (error: unknown) => {
        assertNoHttpAnswer(error, new RegExp(new EwsTransportTimeout(300).message));
        return true;
      });
      const answered = await service.BindToItems([new ItemId(copy.itemId)], PropertySet.IdOnly);
      assert.equal(answered.Responses[0]!.Result, ServiceResult.Success);
      assert.deepEqual(schema.check(harness.bodies), []);
    } finally {
      await harness.sim.close();
    }
  });
});

describe('EWS face with OAuth tokens', () => {
  let schema: ReturnType<typeof responseSchemaChecker>;
  before(() => {
    schema = responseSchemaChecker();
  });
  after(() => schema.dispose());

  async function tokenFor(harness: EwsHarness, scope: string): Promise<string> {
    const response = await fetch(`${harness.sim.url}/${DEMO_TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'clawback-app', client_secret: 'app-secret', scope }),
      dispatcher: new Agent({ connect: { ca: harness.sim.caCert } }),
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  const decode = (part: string | undefined) => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

  test('a token for outlook.office365.com is a JWT OAuthCredentials accepts, and EWS honours it', async () => {
    const harness = await startEwsHarness({ faces: [graphFace, ewsFace] });
    try {
      const token = await tokenFor(harness, 'https://outlook.office365.com/.default');
      const [header, payload] = token.split('.');
      assert.equal(decode(header).typ, 'JWT');
      const claims = decode(payload);
      assert.equal(claims.aud, 'https://outlook.office365.com');
      assert.equal(claims.tid, DEMO_TENANT_ID);
      assert.equal(claims.appid, 'clawback-app');
      assert.ok(Number(claims.exp) > Date.now() / 1000);

      const inbox = await harness.service(a.bob, { credentials: new OAuthCredentials(token) }).FindItems(WellKnownFolderName.Inbox, new ItemView(10));
      assert.equal(inbox.TotalCount, 2);
      assert.deepEqual(schema.check(harness.bodies), []);
    } finally {
      await harness.sim.close();
    }
  });

  test('a token for Graph, or one the tenant never issued, is refused with HTTP 401', async () => {
    const harness = await startEwsHarness({ faces: [graphFace, ewsFace] });
    try {
      const graphToken = await tokenFor(harness, 'https://graph.microsoft.com/.default');
      const [header, payload] = graphToken.split('.');
      const forged = `${header}.${payload}.c2lnbmF0dXJl`;
      for (const token of [graphToken, forged]) {
        await assert.rejects(harness.service(a.bob, { credentials: new OAuthCredentials(token) }).FindItems(WellKnownFolderName.Inbox, new ItemView(10)), (error: unknown) => {
          assert.equal((error as { HttpStatusCode?: number }).HttpStatusCode, 401);
          return true;
        });
      }
    } finally {
      await harness.sim.close();
    }
  });

  test('a token is refused once past its exp, and by every face but its own', () => {
    let now = Date.parse('2026-12-01T09:00:00Z');
    const tokens = new TokenService({ now: () => now });
    const { accessToken, expiresIn } = tokens.issue({ face: 'ews', clientId: 'clawback-app', tenantId: DEMO_TENANT_ID });
    assert.equal(tokens.verify(`Bearer ${accessToken}`, 'ews')?.clientId, 'clawback-app');
    assert.equal(tokens.verify(`Bearer ${accessToken}`, 'graph'), undefined);
    now += expiresIn * 1000;
    assert.equal(tokens.verify(`Bearer ${accessToken}`, 'ews'), undefined);
  });
});
