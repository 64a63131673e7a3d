import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { webhookUrlProblem, type WebhookChannelConfig } from './config.js';
import { readSecret } from '../config/secret.js';
import { ChannelMisconfigured, NotificationFailed, NotificationRejected } from './errors.js';
import { bodyBuilder } from './formats.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';
import type { Channel } from './channel.js';

const TIMEOUT_MS = 30_000;
/** Statuses worth another try: the receiver is busy or timed out, not refusing. */
const PASSING = new Set([408, 425, 429]);

/** A JSON POST per event, signed, with an idempotency key receivers de-duplicate on. */
export async function openWebhookChannel(config: WebhookChannelConfig, where: string, env: NodeJS.ProcessEnv): Promise<Channel> {
  const build = await bodyBuilder(config.format, where);
  const url = await readSecret(config.url, `${where}.url`, env);
  const problem = webhookUrlProblem(url, config.allowInsecureLoopback);
  if (problem) throw new ChannelMisconfigured(`${where}.url`, problem);
  const host = new URL(url).host;
  const secret = config.secret === undefined ? undefined : await readSecret(config.secret, `${where}.secret`, env);
  const authorization = await authorizationHeader(config, where, env);
  const dispatcher = new Agent({ connect: config.caFile ? { ca: await readFile(config.caFile, 'utf8') } : {}, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });

  return {
    config,
    async send({ event, idempotencyKey }) {
      const body = JSON.stringify(build(event));
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'Clawback',
        'idempotency-key': idempotencyKey,
        'clawback-event': event.type,
      };
      if (secret !== undefined) headers[SIGNATURE_HEADER.toLowerCase()] = signatureHeader(secret, body);
      if (authorization) headers.authorization = authorization;
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(url, { method: 'POST', headers, body, dispatcher });
      } catch (error) {
        throw new NotificationFailed(config.id, `${host} unreachable: ${(error as Error).message}`);
      }
      const answer = (await response.body.text()).slice(0, 300);
      if (response.statusCode >= 200 && response.statusCode < 300) return;
      const detail = `HTTP ${response.statusCode} from ${host}${answer ? `: ${answer}` : ''}`;
      if (response.statusCode >= 500 || PASSING.has(response.statusCode)) throw new NotificationFailed(config.id, detail);
      throw new NotificationRejected(config.id, detail);
    },
    close: () => dispatcher.close(),
  };
}

async function authorizationHeader(config: WebhookChannelConfig, where: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { auth } = config;
  if (!auth) return undefined;
  if (auth.type === 'bearer') return `Bearer ${await readSecret(auth.token, `${where}.auth.token`, env)}`;
  const password = await readSecret(auth.password, `${where}.auth.password`, env);
  return `Basic ${Buffer.from(`${auth.username}:${password}`).toString('base64')}`;
}
