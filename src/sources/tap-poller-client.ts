import { Agent, fetch } from 'undici';
import { readSecret } from '../config/secret.js';
import type { TapPollerConfig } from './tap-poller-config.js';

/** The SIEM API refused the credentials: polling cannot succeed until an admin fixes them. */
export class TapAuthRejected extends Error {
  constructor(readonly source: string, readonly status: number) {
    super(`TAP source ${source}: the SIEM API refused the service principal (HTTP ${status})`);
    this.name = 'TapAuthRejected';
  }
}

/** The SIEM API refused the request itself (window rules): retrying the same request cannot help. */
export class TapRequestRejected extends Error {
  constructor(readonly source: string, readonly status: number, readonly detail: string) {
    super(`TAP source ${source}: the SIEM API refused the request (HTTP ${status}): ${detail}`);
    this.name = 'TapRequestRejected';
  }
}

/** Throttled (429) or failing (5xx): worth another try later. */
export class TapUnavailable extends Error {
  constructor(readonly source: string, readonly status: number, readonly detail: string) {
    super(`TAP source ${source}: the SIEM API answered HTTP ${status}: ${detail}`);
    this.name = 'TapUnavailable';
  }
}

/** Which stretch of time one request asks for: an explicit window, or everything since a time. */
export type TapWindow = { interval: [Date, Date] } | { sinceTime: Date };

/** `GET /v2/siem/all` with Basic auth, JSON format; the body as parsed JSON (an empty answer is `{}`). */
export class TapSiemClient {
  private constructor(
    private readonly source: string,
    private readonly baseUrl: string,
    private readonly authorization: string,
    private readonly dispatcher: Agent | undefined,
  ) {}

  static async open(source: string, config: TapPollerConfig): Promise<TapSiemClient> {
    const where = `sources.${source}.poll`;
    const secret = await readSecret(config.secret, `${where}.secret`);
    const ca = config.caFile === undefined ? undefined : await readSecret({ file: config.caFile }, `${where}.caFile`);
    const authorization = `Basic ${Buffer.from(`${config.principal}:${secret}`).toString('base64')}`;
    return new TapSiemClient(source, config.url, authorization, ca === undefined ? undefined : new Agent({ connect: { ca } }));
  }

  async all(window: TapWindow): Promise<Record<string, unknown>> {
    const url = new URL('/v2/siem/all', this.baseUrl);
    url.searchParams.set('format', 'json');
    if ('interval' in window) url.searchParams.set('interval', `${window.interval[0].toISOString()}/${window.interval[1].toISOString()}`);
    else url.searchParams.set('sinceTime', window.sinceTime.toISOString());
    const response = await fetch(url, { headers: { authorization: this.authorization, accept: 'application/json' }, ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}) });
    if (response.status === 204) return {};
    const text = await response.text();
    if (response.status === 401 || response.status === 403) throw new TapAuthRejected(this.source, response.status);
    if (response.status === 429 || response.status >= 500) throw new TapUnavailable(this.source, response.status, text.slice(0, 300));
    if (!response.ok) throw new TapRequestRejected(this.source, response.status, text.slice(0, 300));
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  async close(): Promise<void> {
    await this.dispatcher?.close();
  }
}
