import type { IXHRApi } from 'ews-javascript-api';
import { ewsTransport, trustingAgent } from '../../src/providers/ews/transport.js';

/** What a test transport gives up on: an answer that has not come after `timeoutMs`. */
export class EwsTransportTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer from the EWS endpoint within ${timeoutMs} ms`);
    this.name = 'EwsTransportTimeout';
  }
}

function withTimeout<T>(pending: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EwsTransportTimeout(timeoutMs)), timeoutMs);
  });
  return Promise.race([pending, expired]).finally(() => clearTimeout(timer));
}

/**
 * The adapter's own transport, trusting one simulator's CA; `onResponse` sees every body, for
 * schema checks. With `timeoutMs`, a request left unanswered rejects with EwsTransportTimeout:
 * the library keeps `ExchangeService.Timeout` but never applies it.
 */
export function ewsFetchXhr(caCert: string, onResponse?: (body: string) => void, options: { timeoutMs?: number } = {}): IXHRApi {
  const transport = ewsTransport({ dispatcher: trustingAgent(caCert), ...(onResponse ? { onResponse } : {}) });
  const { timeoutMs } = options;
  if (timeoutMs === undefined) return transport;
  return {
    ...transport,
    xhr: (request, progress) => withTimeout(transport.xhr(request, progress), timeoutMs),
    xhrStream: (request, progress) => withTimeout(transport.xhrStream(request, progress), timeoutMs),
  };
}
