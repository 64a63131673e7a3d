import type { IncidentEvent } from '../domain/events.js';
import type { ChannelConfig, ChannelFilter, ChannelRetry, NotificationsConfig } from './config.js';
import type { Channel } from './channel.js';
import { openEmailChannel } from './email.js';
import { UnknownChannel } from './errors.js';
import { openWebhookChannel } from './webhook.js';

/** What the workflow learns about a channel an event goes to: its id and retry policy, no secrets. */
export interface PlannedNotification {
  channel: string;
  retry: ChannelRetry;
}

export function channelWants(config: ChannelConfig, event: IncidentEvent): boolean {
  return config.events.includes(event.type) && passes(config.filter, event);
}

function passes(filter: ChannelFilter, event: IncidentEvent): boolean {
  if (filter.sources && !event.sources.some((source) => filter.sources!.includes(source))) return false;
  if (filter.classifications && !filter.classifications.includes(event.threat.classification)) return false;
  if (filter.minScore !== undefined && event.threat.score !== undefined && event.threat.score < filter.minScore) return false;
  return true;
}

/** The worker's channels, opened once at start: secrets read, templates compiled. */
export class ChannelRegistry {
  private constructor(private readonly channels: Map<string, Channel>) {}

  static async open(config: NotificationsConfig, env: NodeJS.ProcessEnv = process.env): Promise<ChannelRegistry> {
    const channels = new Map<string, Channel>();
    for (const [i, channel] of config.channels.entries()) {
      const where = `notifications.channels.${i}`;
      channels.set(channel.id, channel.type === 'email' ? await openEmailChannel(channel, where, env) : await openWebhookChannel(channel, where, env));
    }
    return new ChannelRegistry(channels);
  }

  static empty(): ChannelRegistry {
    return new ChannelRegistry(new Map());
  }

  /** The channels that want this event, in config order. */
  plan(event: IncidentEvent): PlannedNotification[] {
    return [...this.channels.values()].filter(({ config }) => channelWants(config, event)).map(({ config }) => ({ channel: config.id, retry: config.retry }));
  }

  get(id: string): Channel {
    const channel = this.channels.get(id);
    if (!channel) throw new UnknownChannel(id);
    return channel;
  }

  async close(): Promise<void> {
    await Promise.all([...this.channels.values()].map((channel) => channel.close()));
  }
}
