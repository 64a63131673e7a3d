import { readFile } from 'node:fs/promises';
import nodemailer from 'nodemailer';
import type { EmailChannelConfig, MailTemplates } from './config.js';
import { readSecret } from '../config/secret.js';
import { DEFAULT_TEMPLATES } from './defaults.js';
import { NotificationFailed, NotificationRejected } from './errors.js';
import { headerSafe, loadTemplate, templateContext } from './templates.js';
import type { Channel, DirectMail } from './channel.js';
import { PULL_EVENT_TYPES } from '../domain/events.js';

const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;

/** A mail's subject, text and HTML templates, compiled together. */
export interface MailRenderer {
  render(context: object): { subject: string; text: string; html: string };
}

/** Compiles the three templates (the defaults where none is given); the subject comes out header-safe. */
export async function mailRenderer(templates: MailTemplates, fallback: { subject: string; text: string; html: string }, where: string): Promise<MailRenderer> {
  const subject = await loadTemplate(templates.subject, fallback.subject, 'none', `${where}.subject`);
  const text = await loadTemplate(templates.text, fallback.text, 'none', `${where}.text`);
  const html = await loadTemplate(templates.html, fallback.html, 'html', `${where}.html`);
  return {
    render: (context) => ({ subject: headerSafe(subject.render(context)), text: text.render(context), html: html.render(context) }),
  };
}

/**
 * SMTP to the analyst list (one mail per event) and, when enabled, one mail to each owner of a
 * mailbox a copy was pulled from. Each mail is a step: a retry resumes after the last one sent.
 */
export async function openEmailChannel(config: EmailChannelConfig, where: string, env: NodeJS.ProcessEnv): Promise<Channel> {
  const { smtp } = config;
  const analysts = await mailRenderer(config.templates, DEFAULT_TEMPLATES, `${where}.templates`);
  const owners = config.owners?.enabled
    ? await mailRenderer(
        config.owners.templates,
        { subject: DEFAULT_TEMPLATES.ownerSubject, text: DEFAULT_TEMPLATES.ownerText, html: DEFAULT_TEMPLATES.ownerHtml },
        `${where}.owners.templates`,
      )
    : undefined;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && smtp.requireTls,
    auth: smtp.auth ? { user: smtp.auth.user, pass: await readSecret(smtp.auth.pass, `${where}.smtp.auth.pass`, env) } : undefined,
    tls: { minVersion: 'TLSv1.2', ...(smtp.caFile ? { ca: await readFile(smtp.caFile, 'utf8') } : {}) },
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });

  const sendOne = (mail: Omit<DirectMail, 'to'> & { to: string[] }) =>
    transport.sendMail({
      from: config.from,
      to: mail.to.map((address) => headerSafe(address)),
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: [mail.inReplyTo] } : {}),
      headers: mail.headers,
    });

  return {
    config,
    async send({ event, idempotencyKey, done, progress }) {
      const mails: { to: string[]; content: ReturnType<MailRenderer['render']> }[] = [];
      if (config.to.length > 0) mails.push({ to: config.to, content: analysts.render(templateContext(event)) });
      if (owners && PULL_EVENT_TYPES.includes(event.type)) {
        for (const owner of event.pulledMailboxes.filter((address) => ADDRESS.test(address))) {
          mails.push({ to: [owner], content: owners.render(templateContext(event, owner)) });
        }
      }
      const refused: string[] = [];
      for (let step = done; step < mails.length; step++) {
        const { to, content } = mails[step]!;
        try {
          await sendOne({
            to,
            ...content,
            // The same Message-ID on a retry lets the receiving side recognise a repeat.
            messageId: `<${idempotencyKey}.${step}@clawback.invalid>`,
            headers: { 'X-Clawback-Event': event.type, 'X-Clawback-Incident': event.incidentId },
          });
        } catch (error) {
          const code = (error as { responseCode?: number }).responseCode;
          const detail = `${to.join(', ')}: ${(error as Error).message}`;
          if (code === undefined || code < 500) throw new NotificationFailed(config.id, `SMTP ${smtp.host}:${smtp.port} ${detail}`);
          // A refused owner must not stop the mails to the others; the refusals are reported at the end.
          refused.push(detail);
        }
        progress(step + 1);
      }
      if (refused.length > 0) throw new NotificationRejected(config.id, `SMTP ${smtp.host} refused ${refused.join('; ')}`);
    },
    async sendMail(mail) {
      try {
        await sendOne({ ...mail, to: [mail.to] });
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        const detail = `SMTP ${smtp.host}:${smtp.port} ${mail.to}: ${(error as Error).message}`;
        throw code !== undefined && code >= 500 ? new NotificationRejected(config.id, detail) : new NotificationFailed(config.id, detail);
      }
    },
    async close() {
      transport.close();
    },
  };
}
