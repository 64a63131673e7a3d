import { Disposition } from '../domain/report.js';
import type { ChannelRegistry } from '../notify/channels.js';
import { mailRenderer, type MailRenderer } from '../notify/email.js';
import type { ReporterReplies } from './config.js';
import { defaultReplyTemplates } from './reply-defaults.js';

export interface ReplyFacts {
  reporter: string;
  disposition: Disposition;
  /** A malicious message is being pulled now, rather than waiting for an analyst's approval. */
  removing: boolean;
  reportSubject?: string;
  /** The report's own Message-ID: the answer threads under it in the reporter's mailbox. */
  reportMessageId?: string;
  originals: { subject?: string; from?: string; disposition: Disposition }[];
  /** Stable per report, so a retried send carries the same Message-ID. */
  idempotencyKey: string;
}

/** The answer each reporter gets, rendered from the per-disposition templates and sent by mail. */
export class ReporterReplier {
  private constructor(
    private readonly settings: ReporterReplies,
    private readonly templates: Map<Disposition, MailRenderer>,
    private readonly channels: ChannelRegistry,
  ) {}

  /** Compiles every template now, so a broken one stops the worker at start. */
  static async open(settings: ReporterReplies, channels: ChannelRegistry): Promise<ReporterReplier> {
    const templates = new Map<Disposition, MailRenderer>();
    for (const disposition of Disposition.options) {
      templates.set(disposition, await mailRenderer(settings.templates[disposition] ?? {}, defaultReplyTemplates(disposition), `abuse.replies.templates.${disposition}`));
    }
    return new ReporterReplier(settings, templates, channels);
  }

  async reply(facts: ReplyFacts): Promise<void> {
    const channel = this.channels.get(this.settings.channel);
    if (!channel.sendMail) throw new TypeError(`channel ${this.settings.channel} cannot send mail`);
    const context = {
      ...facts,
      reportSubject: facts.reportSubject ?? '(no subject)',
      originals: facts.originals.map((o) => ({ subject: o.subject ?? '(no subject)', from: o.from ?? 'an unknown sender', disposition: o.disposition })),
    };
    await channel.sendMail({
      to: facts.reporter,
      ...this.templates.get(facts.disposition)!.render(context),
      messageId: `<${facts.idempotencyKey}.reply@clawback.invalid>`,
      ...(facts.reportMessageId ? { inReplyTo: facts.reportMessageId } : {}),
      headers: { 'X-Clawback-Disposition': facts.disposition },
    });
  }
}
