import type { IXHRApi, IXHROptions } from 'ews-javascript-api';
import { Agent, type Dispatcher } from 'undici';

/** The XMLHttpRequest-shaped answer ews-javascript-api reads: status, body text, headers. */
interface EwsHttpResponse {
  status: number;
  statusText: string;
  responseText: string;
  response: string;
  getResponseHeader(name: string): string | null;
  getAllResponseHeaders(): string;
}

/** What the library's interface declares `xhr` to resolve to (a browser XMLHttpRequest). */
type XhrResult = Awaited<ReturnType<IXHRApi['xhr']>>;

export interface EwsTransportOptions {
  dispatcher: Dispatcher;
  /** Gives up on a request left unanswered this long: the library keeps `ExchangeService.Timeout` but never applies it. */
  timeoutMs?: number;
  /** Sees every response body, e.g. for schema checks in tests. */
  onResponse?: (body: string) => void;
}

/** HTTPS connections that trust `ca` (PEM) besides the system's CAs: on-premises or simulated servers. */
export function trustingAgent(ca?: string): Agent {
  return new Agent(ca === undefined ? {} : { connect: { ca } });
}

/**
 * A fetch transport for ews-javascript-api. The library's default one loses the body of non-2xx
 * answers, and with it the SOAP fault (ErrorServerBusy and its BackOffMilliseconds). This one
 * resolves on HTTP 200 and rejects with the same shape otherwise, which is how the library tells
 * a SOAP fault (HTTP 500) it can parse from a response it can read.
 */
export function ewsTransport({ dispatcher, timeoutMs, onResponse }: EwsTransportOptions): IXHRApi {
  const send = async (options: IXHROptions): Promise<XhrResult> => {
    const headers = new Headers(options.headers as Record<string, string> | undefined);
    if (options.user !== undefined && !headers.has('authorization')) {
      headers.set('authorization', `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`);
    }
    const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const response = await fetch(options.url, { method: options.type ?? 'POST', headers, body: options.data as string, dispatcher, ...(signal ? { signal } : {}) });
    const body = await response.text();
    onResponse?.(body);
    const result: EwsHttpResponse = {
      status: response.status,
      statusText: response.statusText,
      responseText: body,
      response: body,
      getResponseHeader: (name) => response.headers.get(name),
      getAllResponseHeaders: () => [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\r\n'),
    };
    // The library only reads the fields above; the cast names the type its interface declares.
    if (response.status !== 200) throw result;
    return result as unknown as XhrResult;
  };
  return {
    apiName: 'fetch',
    xhr: (options) => send(options),
    xhrStream: (options) => send(options),
    disconnect: () => undefined,
  };
}

const SERVER_BUSY = /<(?:\w+:)?ResponseCode>ErrorServerBusy<\/(?:\w+:)?ResponseCode>/;
const BACK_OFF = /<(?:\w+:)?Value Name="BackOffMilliseconds">(\d+)<\/(?:\w+:)?Value>/;

/**
 * The back-off of an ErrorServerBusy answer, in either form Exchange uses: an HTTP 500 SOAP fault
 * or a response message of class Error. Read from the body because the library raises neither as
 * ServerBusy, and cannot even parse the second when one message answers a many-folder request.
 */
export function serverBusyBackOff(body: string): { backOffMs: number | undefined } | undefined {
  if (!SERVER_BUSY.test(body)) return undefined;
  const backOff = BACK_OFF.exec(body)?.[1];
  return { backOffMs: backOff === undefined ? undefined : Number(backOff) };
}
