import { Hono } from 'hono';
import { z } from 'zod';
import { transportFault, type Face, type SimContext, type SimEnv } from '../face.js';
import type { Tenant } from '../model.js';
import { authenticate, EwsAccount } from './auth.js';
import { parseEnvelope, type EwsRequest } from './envelope.js';
import { EwsFault } from './errors.js';
import { ConcurrencyLimiter, DEFAULT_BACKOFF_MS, DEFAULT_MAX_CONCURRENCY } from './limits.js';
import { DIRECTORY_OPERATIONS, OPERATIONS } from './operations.js';
import { faultEnvelope, responseEnvelope, type SoapFault } from './soap.js';

export const EWS_PATH = '/EWS/Exchange.asmx';

/** The service account of the default face, for the demo and tests. */
export const DEMO_EWS_ACCOUNT: EwsAccount = { username: 'svc-clawback', password: 'demo-password' };

export const EwsFaceOptions = z.object({
  accounts: z.array(EwsAccount).min(1).default([DEMO_EWS_ACCOUNT]),
  /** EWSMaxConcurrency: requests one account may have in flight. */
  maxConcurrency: z.number().int().min(1).default(DEFAULT_MAX_CONCURRENCY),
  /**
   * How ErrorServerBusy is answered: `soapFault` (HTTP 500, the detail carries MessageXml) or
   * `responseMessage` (HTTP 200, a response message of class Error). Exchange uses both.
   */
  throttleForm: z.enum(['soapFault', 'responseMessage']).default('soapFault'),
});
export type EwsFaceOptions = z.input<typeof EwsFaceOptions>;

const XML_CONTENT_TYPE = 'text/xml; charset=utf-8';

const SERVER_BUSY_TEXT = 'The server cannot service this request right now. Try again later.';

function xmlResponse(body: string, status: number): Response {
  return new Response(body, { status, headers: { 'Content-Type': XML_CONTENT_TYPE } });
}

function faultResponse(fault: SoapFault, status = 500): Response {
  return xmlResponse(faultEnvelope(fault), status);
}

/**
 * The mailbox a request works on: the impersonated address, else X-AnchorMailbox; a service
 * account has no mailbox of its own. An address in the tenant's domains that is no mailbox does
 * not exist; an address elsewhere (or a list, or a contact) is one the account may not impersonate.
 */
function mailboxFor(tenant: Tenant, request: EwsRequest, anchorMailbox: string | undefined): string | undefined {
  const address = request.impersonatedAddress ?? anchorMailbox;
  if (!address) return undefined;
  const entry = tenant.resolveAddress(address);
  if (entry?.kind === 'mailbox') return entry.mailbox.id;
  const domain = address.slice(address.lastIndexOf('@') + 1);
  if (entry || !tenant.ownsDomain(domain)) {
    throw new EwsFault('ErrorImpersonateUserDenied', `The account does not have permission to impersonate the requested user ${address}.`);
  }
  throw new EwsFault('ErrorNonExistentMailbox', `The SMTP address has no mailbox associated with it: ${address}.`);
}

/** The EWS face: `POST /EWS/Exchange.asmx`, SOAP 1.1, the operations a remediation client uses. */
export function createEwsFace(input: EwsFaceOptions = {}): Face {
  const options = EwsFaceOptions.parse(input);
  return (ctx: SimContext) => {
    const limiter = new ConcurrencyLimiter(options.maxConcurrency);
    const app = new Hono<SimEnv>();

    const serverBusy = (operation: string, backOffMs: number): Response => {
      ctx.counters.throttle(`ews.${operation}`);
      const messageXml = { BackOffMilliseconds: String(backOffMs) };
      if (options.throttleForm === 'responseMessage') {
        return xmlResponse(responseEnvelope(operation, [{ responseClass: 'Error', responseCode: 'ErrorServerBusy', messageText: SERVER_BUSY_TEXT, messageXml }]), 200);
      }
      return faultResponse({ responseCode: 'ErrorServerBusy', message: SERVER_BUSY_TEXT, messageXml });
    };

    app.post(EWS_PATH, async (c) => {
      let request: EwsRequest;
      try {
        request = parseEnvelope(await c.req.text());
      } catch (error) {
        if (error instanceof EwsFault) return faultResponse({ responseCode: error.responseCode, message: error.message });
        throw error;
      }
      const operationName = `ews.${request.operation}`;
      ctx.counters.request(operationName);

      const caller = authenticate(c.req.header('authorization'), options.accounts, ctx.tokens);
      if (!caller) return c.text('401 - Unauthorized', 401, { 'WWW-Authenticate': 'Basic realm="127.0.0.1"' });

      // The slot is held across the injected latency, so slow requests pile up as they would on Exchange.
      if (!limiter.tryAcquire(caller)) return serverBusy(request.operation, DEFAULT_BACKOFF_MS);
      try {
        const outcome = await ctx.faults.enter(operationName);
        if (await transportFault(c, outcome)) return c.body(null);
        if (outcome?.kind === 'throttle') return serverBusy(request.operation, outcome.retryAfterMs);
        if (outcome?.kind === 'status') {
          return faultResponse({ responseCode: 'ErrorInternalServerTransientError', message: 'An internal server error occurred. Try again later.' }, outcome.status);
        }

        const operation = OPERATIONS[request.operation];
        if (!operation) return faultResponse({ responseCode: 'ErrorInvalidRequest', message: `The operation ${request.operation} is not supported.` });
        const tenant = ctx.tenant.current;
        const anchorMailbox = c.req.header('x-anchormailbox');
        const mailboxId = DIRECTORY_OPERATIONS.has(request.operation) ? undefined : mailboxFor(tenant, request, anchorMailbox);
        return xmlResponse(responseEnvelope(request.operation, await operation({ tenant, mailboxId }, request.body)), 200);
      } catch (error) {
        if (error instanceof EwsFault) return faultResponse({ responseCode: error.responseCode, message: error.message });
        throw error;
      } finally {
        limiter.release(caller);
      }
    });
    return app;
  };
}

/** The EWS face with the demo service account ({@link DEMO_EWS_ACCOUNT}). */
export const ewsFace: Face = createEwsFace();
