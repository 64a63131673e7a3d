import type { IXHRApi, IXHROptions } from 'ews-javascript-api';
import { Agent } from 'undici';

/** The XMLHttpRequest-shaped answer ews-javascript-api reads: status, body text, headers. */
export interface EwsXhrResponse {
  status: number;
  statusText: string;
  responseText: string;
  response: string;
  getResponseHeader(name: string): string | null;
  getAllResponseHeaders(): string;
}

/** What the library's interface declares `xhr` to resolve to (a browser XMLHttpRequest). */
type XhrResult = Awaited<ReturnType<IXHRApi['xhr']>>;

/**
 * A fetch transport for ews-javascript-api that trusts one simulator's CA and hands back fault
 * bodies intact: it resolves on HTTP 200 and rejects with the same shape otherwise, which is how
 * the library tells a SOAP fault (HTTP 500) from a response it can read. `onResponse` sees every
 * body, for schema checks.
 */
export function ewsFetchXhr(caCert: string, onResponse?: (body: string) => void): IXHRApi {
  const dispatcher = new Agent({ connect: { ca: caCert } });
  const send = async (options: IXHROptions): Promise<XhrResult> => {
    const headers = new Headers(options.headers as Record<string, string> | undefined);
    if (options.user !== undefined && !headers.has('authorization')) {
      headers.set('authorization', `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`);
    }
    const response = await fetch(options.url, { method: options.type ?? 'POST', headers, body: options.data as string, dispatcher });
    const body = await response.text();
    onResponse?.(body);
    const result: EwsXhrResponse = {
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
