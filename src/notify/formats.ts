import type { WebhookFormat } from './config.js';
import { DEFAULT_TEMPLATES } from './defaults.js';
import { loadTemplate, templateContext, type Template } from './templates.js';
import type { IncidentEvent } from '../domain/events.js';

/** Turns an event into the JSON body one kind of receiver expects. */
export type BodyBuilder = (event: IncidentEvent) => unknown;

/** Slack's mrkdwn treats these three as control characters in message text. */
function slackEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The body builder for a channel's format, its templates compiled once at start. */
export async function bodyBuilder(format: WebhookFormat, where: string): Promise<BodyBuilder> {
  const text = (source: Parameters<typeof loadTemplate>[0], fallback: string, name: string, escaping: 'none' | typeof slackEscape = 'none') =>
    loadTemplate(source, fallback, escaping, `${where}.format.${name}`);
  const render = (template: Template, event: IncidentEvent) => template.render(templateContext(event));

  switch (format.type) {
    case 'generic':
      return (event) => event;
    case 'slack': {
      // Incoming webhooks take `text` (mrkdwn); values are escaped, the template's own markup is kept.
      const body = await text(format.text, `*${DEFAULT_TEMPLATES.title}*\n${DEFAULT_TEMPLATES.text}`, 'text', slackEscape);
      return (event) => ({ text: render(body, event) });
    }
    case 'teams': {
      // Teams workflow webhooks post an Adaptive Card carried as a message attachment.
      const title = await text(format.title, DEFAULT_TEMPLATES.title, 'title');
      const body = await text(format.text, DEFAULT_TEMPLATES.text, 'text');
      return (event) => ({
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            contentUrl: null,
            content: {
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              type: 'AdaptiveCard',
              version: '1.4',
              body: [
                { type: 'TextBlock', text: render(title, event), weight: 'Bolder', size: 'Medium', wrap: true },
                { type: 'TextBlock', text: render(body, event), wrap: true },
              ],
              actions: event.links.incident ? [{ type: 'Action.OpenUrl', title: 'Open incident', url: event.links.incident }] : [],
            },
          },
        ],
      });
    }
    case 'jira': {
      // REST API v2 (Cloud and Data Center): `description` is plain wiki text, not Atlassian Document Format.
      const summary = await text(format.summary, DEFAULT_TEMPLATES.title, 'summary');
      const description = await text(format.description, DEFAULT_TEMPLATES.text, 'description');
      return (event) => ({
        fields: {
          project: { key: format.projectKey },
          issuetype: { name: format.issueType },
          summary: render(summary, event).replace(/[\r\n]+/g, ' ').slice(0, 255),
          description: render(description, event),
          labels: format.labels,
        },
      });
    }
    case 'servicenow': {
      // Table API: POST /api/now/table/incident with the record's fields.
      const short = await text(format.shortDescription, DEFAULT_TEMPLATES.title, 'shortDescription');
      const description = await text(format.description, DEFAULT_TEMPLATES.text, 'description');
      return (event) => ({
        ...format.fields,
        short_description: render(short, event).replace(/[\r\n]+/g, ' ').slice(0, 160),
        description: render(description, event),
        correlation_id: event.incidentId,
      });
    }
  }
}
