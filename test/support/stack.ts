import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../src/api/app.js';
import { Authenticator } from '../../src/api/auth.js';
import { SourceRegistry } from '../../src/sources/registry.js';
import { parseConfig, demoConfig, DEMO_SOURCE_KEY, DEMO_ADMIN_KEY } from '../../src/config/load.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import type { IncidentOptions, Policy } from '../../src/domain/incident.js';
import { IncidentClient } from '../../src/incidents/client.js';
import type { MailProvider } from '../../src/providers/port.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { SimulatedProvider } from '../../src/providers/simulated/provider.js';
import { Tenant } from '../../src/sim/model.js';
import { demoScenario, DEMO_DOMAIN } from '../../src/sim/demo.js';
import type { Scenario } from '../../src/sim/scenario.js';
import type { WorkflowBundle } from '@temporalio/worker';
import { bundleWorkflows, createWorker } from '../../src/worker.js';
import { logNotifier } from '../../activities/notify.js';
import { intakeDepsFor } from '../../activities/intake.js';
import { ImportClient } from '../../src/sources/csv-import.js';
import { TapReversalReader } from '../../src/sources/tap-reversals.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelRegistry } from '../../src/notify/channels.js';
import type { NotificationsConfigInput } from '../../src/notify/config.js';
import { abuseDepsFor } from '../../activities/abuse-deps.js';
import type { AbuseConfigInput } from '../../src/reports/config.js';
import { ReportClient } from '../../src/reports/client.js';

export { DEMO_SOURCE_KEY, DEMO_ADMIN_KEY };

/** The shared dev server `npm test` started for this run. */
export function testTemporal() {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the suite with `npm test`');
  return { address, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' };
}

/**
 * Incident ids derive from Message-IDs and every test file shares one server, so each test
 * gives the demo's messages ids of its own.
 */
export function uniqueScenario(base: Scenario = demoScenario): { scenario: Scenario; rename: (id: string) => string } {
  const tag = randomUUID().slice(0, 8);
  const rename = (id: string) => id.replace(/@/, `.${tag}@`);
  const json = JSON.stringify(base).replace(/<[^<>\s"]+@[^<>\s"]+>/g, (id) => rename(id));
  return { scenario: JSON.parse(json) as Scenario, rename };
}

let bundle: Promise<WorkflowBundle> | undefined;

/** Bundling the workflows takes seconds: once per test file, shared by its stacks. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflows();
  return bundle;
}

export interface StackOptions {
  scenario: Scenario;
  policy?: Policy;
  /** The demo tenant's own policy, applied when stricter than the source's. */
  tenantPolicy?: Policy;
  incident?: Partial<IncidentOptions>;
  /**
   * The provider the worker pulls through, over the stack's tenant (e.g. an adapter talking to a
   * simulator serving that tenant); absent = the in-process SimulatedProvider.
   */
  providerFor?: (tenant: Tenant) => Promise<{ provider: MailProvider; close(): Promise<void> }>;
  /** Notification channels the worker sends to (the `notifications` config section). */
  notifications?: NotificationsConfigInput;
  /** Alert sources besides the demo source (formats, rules, route ids, rate limits). */
  sources?: ConfigInput['sources'];
  /** Abuse mailboxes, verdict settings and reporter replies (the `abuse` config section). */
  abuse?: AbuseConfigInput;
}

/** A worker on its own task queue over an in-memory tenant, and the API in front of it. */
export async function startStack({ scenario, policy = 'auto', tenantPolicy, incident = {}, providerFor, notifications, sources = [], abuse }: StackOptions) {
  const { address, namespace } = testTemporal();
  const tenant = Tenant.fromScenario(scenario);
  const base = demoConfig('/nonexistent');
  const config: Config = parseConfig({
    ...base,
    tenants: base.tenants.map((tenant) => ({ ...tenant, ...(tenantPolicy ? { policy: tenantPolicy } : {}) })),
    sources: [{ id: 'demo-source', key: DEMO_SOURCE_KEY, policy }, ...sources],
    incident,
    temporal: { taskQueue: `test-${randomUUID()}` },
    ...(notifications ? { notifications } : {}),
    ...(abuse ? { abuse } : {}),
  });
  const { provider, close } = providerFor ? await providerFor(tenant) : { provider: new SimulatedProvider({ tenant }), close: async () => undefined };
  const providers = new ProviderRegistry([{ provider, domains: [DEMO_DOMAIN] }]);
  const channels = await ChannelRegistry.open(config.notifications);
  const importsDir = mkdtempSync(join(tmpdir(), 'clawback-imports-'));
  const { worker, connection: workerConnection } = await createWorker({
    address,
    namespace,
    taskQueue: config.temporal.taskQueue,
    deps: { providers, notifiers: [logNotifier], channels, temporalUiUrl: config.api.temporalUiUrl, intake: intakeDepsFor(config, importsDir), abuse: await abuseDepsFor(config, providers, channels) },
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const incidents = IncidentClient.forConfig(client, config);
  const imports = ImportClient.forConfig(client, config, importsDir);
  const app = createApp({
    incidents,
    imports,
    tapReversals: new TapReversalReader(client, incidents),
    reports: new ReportClient(client, { temporalUiUrl: config.api.temporalUiUrl, namespace, publicUrl: config.api.publicUrl }),
    auth: new Authenticator(config),
    sources: new SourceRegistry(config.sources),
    temporalReachable: async () => true,
    bodyLimitBytes: config.api.bodyLimitBytes,
    temporalUiUrl: config.api.temporalUiUrl,
    namespace,
  });

  async function request(method: string, path: string, { key, body }: { key?: string; body?: unknown } = {}) {
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await app.request(path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  /** A GET whose body is not JSON (exports), with headers. */
  async function raw(method: string, path: string, key?: string): Promise<Response> {
    return app.request(path, { method, headers: key ? { authorization: `Bearer ${key}` } : {} });
  }

  /** Polls the incident until `done` holds (the API is asynchronous by design). */
  async function waitFor(incidentId: string, done: (state: any) => boolean, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status, body } = await request('GET', `/v1/incidents/${incidentId}`, { key: DEMO_SOURCE_KEY });
      if (status === 200 && done(body)) return body;
      if (Date.now() > deadline) throw new Error(`incident ${incidentId} did not settle: ${JSON.stringify(body).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  return {
    tenant,
    client,
    app,
    config,
    request,
    raw,
    waitFor,
    async stop() {
      worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
      await close();
      await channels.close();
      rmSync(importsDir, { recursive: true, force: true });
    },
  };
}
