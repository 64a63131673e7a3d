/**
 * Built-in templates (Handlebars). Each can be replaced in the channel's config, inline or as a
 * file; they see the event (`src/domain/events.ts`) plus `title`, `sourceList`, `residualMore`
 * and, in owner mails, `owner`.
 */
export const DEFAULT_TEMPLATES = {
  subject: '[Clawback] {{title}}: {{#if subject}}{{subject}}{{else}}{{messageId}}{{/if}} from {{sender}}',
  text: `{{title}} ({{status}})

Sender:      {{sender}}
Subject:     {{subject}}
Message-ID:  {{messageId}}
Threat:      {{threat.classification}}{{#if threat.score}} (score {{threat.score}}){{/if}}
Sources:     {{sourceList}}

Recipients {{counts.recipients}} · mailboxes searched {{counts.mailboxesSearched}} · copies found {{counts.copiesFound}} · pulled {{counts.copiesPulled}} · restored {{counts.copiesRestored}} · forwards {{counts.forwards}}
{{#if lateCopies}}
A late-copy sweep found {{lateCopies}} new copy(ies).
{{/if}}
{{#if residualExposure.length}}
Residual exposure ({{counts.residual}}):
{{#each residualExposure}}
  - {{address}}: {{reason}}{{#if detail}} ({{detail}}){{/if}}
{{/each}}
{{#if residualMore}}  … and {{residualMore}} more
{{/if}}
{{/if}}
{{#if links.incident}}Incident: {{links.incident}}
{{/if}}
{{#if links.temporalUi}}Temporal: {{links.temporalUi}}
{{/if}}
Incident id: {{incidentId}}
`,
  html: `<h2>{{title}} <small>({{status}})</small></h2>
<table>
<tr><th align="left">Sender</th><td>{{sender}}</td></tr>
<tr><th align="left">Subject</th><td>{{subject}}</td></tr>
<tr><th align="left">Message-ID</th><td><code>{{messageId}}</code></td></tr>
<tr><th align="left">Threat</th><td>{{threat.classification}}{{#if threat.score}} (score {{threat.score}}){{/if}}</td></tr>
<tr><th align="left">Sources</th><td>{{sourceList}}</td></tr>
</table>
<p>Recipients {{counts.recipients}} · mailboxes searched {{counts.mailboxesSearched}} · copies found {{counts.copiesFound}} · pulled {{counts.copiesPulled}} · restored {{counts.copiesRestored}} · forwards {{counts.forwards}}</p>
{{#if lateCopies}}<p>A late-copy sweep found {{lateCopies}} new copy(ies).</p>{{/if}}
{{#if residualExposure.length}}
<h3>Residual exposure ({{counts.residual}})</h3>
<ul>{{#each residualExposure}}<li>{{address}}: {{reason}}{{#if detail}} ({{detail}}){{/if}}</li>{{/each}}{{#if residualMore}}<li>… and {{residualMore}} more</li>{{/if}}</ul>
{{/if}}
<p>{{#if links.incident}}<a href="{{links.incident}}">Incident</a> · {{/if}}{{#if links.temporalUi}}<a href="{{links.temporalUi}}">Temporal</a> · {{/if}}<code>{{incidentId}}</code></p>
`,
  ownerSubject: 'A message was removed from your mailbox: {{#if subject}}{{subject}}{{else}}from {{sender}}{{/if}}',
  ownerText: `Hello,

Our security team removed a message from your mailbox ({{owner}}) because it was identified as {{threat.classification}}.

From:     {{sender}}
Subject:  {{subject}}

What to do:
  - If you opened a link or an attachment from this message, or replied to it, tell the security team now.
  - If you entered a password after opening it, change that password at once.
  - Do not look for the message elsewhere or ask the sender about it; it is kept safely for investigation.

Reference: {{incidentId}}
`,
  ownerHtml: `<p>Hello,</p>
<p>Our security team removed a message from your mailbox (<b>{{owner}}</b>) because it was identified as <b>{{threat.classification}}</b>.</p>
<table>
<tr><th align="left">From</th><td>{{sender}}</td></tr>
<tr><th align="left">Subject</th><td>{{subject}}</td></tr>
</table>
<p><b>What to do</b></p>
<ul>
<li>If you opened a link or an attachment from this message, or replied to it, tell the security team now.</li>
<li>If you entered a password after opening it, change that password at once.</li>
<li>Do not look for the message elsewhere or ask the sender about it; it is kept safely for investigation.</li>
</ul>
<p>Reference: <code>{{incidentId}}</code></p>
`,
  /** Chat and ticket titles and bodies (Slack, Teams, Jira, ServiceNow). */
  title: '{{title}}: {{#if subject}}{{subject}}{{else}}{{messageId}}{{/if}} from {{sender}}',
} as const;
