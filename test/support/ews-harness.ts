import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import {
  ConnectingIdType,
  ExchangeService,
  ExchangeVersion,
  ExtendedPropertyDefinition,
  FolderId,
  FolderTraversal,
  FolderView,
  ImpersonatedUserId,
  MapiPropertyType,
  ServiceErrorHandling,
  Uri,
  WebCredentials,
  WellKnownFolderName,
  type ExchangeCredentials,
  type FindItemResponse,
  type Item,
  type SearchFilter,
  type ServiceResponseCollection,
  type ViewBase,
} from 'ews-javascript-api';
import { demoScenario } from '../../src/sim/demo.js';
import { DEMO_EWS_ACCOUNT, EWS_PATH, ewsFace } from '../../src/sim/ews/index.js';
import type { Face } from '../../src/sim/face.js';
import type { FaultPlanInput } from '../../src/sim/faults.js';
import { Tenant } from '../../src/sim/model.js';
import { startSimServer, type SimServer } from '../../src/sim/server.js';
import { trustingAgent } from '../../src/providers/ews/transport.js';
import { responseSchemaChecker } from './ews-schema.js';
import { ewsFetchXhr } from './ews-xhr.js';

/** PR_INTERNET_MESSAGE_ID, as a remediation client asks for it. */
export const messageIdProperty = new ExtendedPropertyDefinition(0x1035, MapiPropertyType.String);

export interface ServiceOptions {
  credentials?: ExchangeCredentials;
  /** How long the transport waits for an answer. */
  timeoutMs?: number;
}

export interface SoapOptions {
  /** Sent as ExchangeImpersonation/ConnectingSID/SmtpAddress. */
  impersonate?: string;
  /** Extra or replacing headers; without `authorization`, the demo service account's Basic credentials. */
  headers?: Record<string, string>;
}

export interface SoapAnswer {
  status: number;
  contentType: string | null;
  body: string;
}

export interface EwsHarness {
  sim: SimServer;
  /** Every response body the client received, newest last. */
  bodies: string[];
  /** ews-javascript-api pointed at the simulator, as the demo service account unless told otherwise. */
  service(impersonate?: string, options?: ServiceOptions): ExchangeService;
  /** One SOAP operation (`<m:FindItem …>`) sent by hand, for what the library cannot express; its answer joins `bodies`. */
  soap(operationXml: string, options?: SoapOptions): Promise<SoapAnswer>;
}

function soapEnvelope(operationXml: string, impersonate: string | undefined): string {
  const impersonation = impersonate
    ? `<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${impersonate}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`
    : '';
  return `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
  <soap:Header><t:RequestServerVersion Version="Exchange2013"/>${impersonation}</soap:Header>
  <soap:Body>${operationXml}</soap:Body>
</soap:Envelope>`;
}

/** A simulator (the demo tenant and the EWS face unless told otherwise) and clients for it. */
export async function startEwsHarness(options: { faces?: Face[]; tenant?: Tenant; faults?: FaultPlanInput } = {}): Promise<EwsHarness> {
  const sim = await startSimServer({ tenant: options.tenant ?? Tenant.fromScenario(demoScenario), faces: options.faces ?? [ewsFace], ...(options.faults ? { faults: options.faults } : {}) });
  const bodies: string[] = [];
  const dispatcher = trustingAgent(sim.caCert);
  const basic = `Basic ${Buffer.from(`${DEMO_EWS_ACCOUNT.username}:${DEMO_EWS_ACCOUNT.password}`).toString('base64')}`;
  return {
    sim,
    bodies,
    async soap(operationXml, { impersonate, headers = {} } = {}) {
      const response = await fetch(`${sim.url}${EWS_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', authorization: basic, ...headers },
        body: soapEnvelope(operationXml, impersonate),
        dispatcher,
      });
      const body = await response.text();
      if (response.status !== 401) bodies.push(body);
      return { status: response.status, contentType: response.headers.get('content-type'), body };
    },
    service(impersonate, { credentials, timeoutMs } = {}) {
      const service = new ExchangeService(ExchangeVersion.Exchange2013);
      service.Url = new Uri(`${sim.url}${EWS_PATH}`);
      service.Credentials = credentials ?? new WebCredentials(DEMO_EWS_ACCOUNT.username, DEMO_EWS_ACCOUNT.password);
      service.XHRApi = ewsFetchXhr(sim.caCert, (body) => bodies.push(body), timeoutMs === undefined ? {} : { timeoutMs });
      if (impersonate) service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, impersonate);
      return service;
    },
  };
}

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

export function findItemsInFolders(service: ExchangeService, folderIds: FolderId[], filter: SearchFilter, view: ViewBase) {
  const findItems = service.FindItems as unknown as MultiFolderFindItems;
  return findItems.call(service, folderIds, filter, null, view, null, ServiceErrorHandling.ReturnErrors);
}

/** Every folder of the mailbox from a deep FindFolder, plus Recoverable Items, which lies outside it. */
export async function searchableFolderIds(service: ExchangeService): Promise<FolderId[]> {
  const view = new FolderView(1000);
  view.Traversal = FolderTraversal.Deep;
  const found = await service.FindFolders(WellKnownFolderName.MsgFolderRoot, view);
  return [new FolderId(WellKnownFolderName.RecoverableItemsDeletions), ...found.Folders.map((folder) => folder.Id)];
}

/** The id of the mailbox an address names, which must be one. */
export function mailboxId(tenant: Tenant, address: string): string {
  const entry = tenant.resolveAddress(address);
  assert.ok(entry?.kind === 'mailbox', `${address} is a mailbox`);
  return entry.mailbox.id;
}

/** Starts a harness for a suite whose every response is checked against messages.xsd after each test. */
export function schemaCheckedSuite(start: () => Promise<EwsHarness>): { harness: () => EwsHarness } {
  let harness: EwsHarness | undefined;
  let schema: ReturnType<typeof responseSchemaChecker> | undefined;
  before(async () => {
    schema = responseSchemaChecker();
    harness = await start();
  });
  afterEach(() => {
    assert.deepEqual(schema!.check(harness!.bodies.splice(0)), []);
  });
  after(async () => {
    await harness?.sim.close();
    schema?.dispose();
  });
  return { harness: () => harness! };
}
