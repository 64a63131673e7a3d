import type { Disposition } from '../domain/report.js';

/**
 * What a reporter reads, per disposition. Templates see `reporter`, `disposition`, `removing`
 * (a malicious message is being pulled now), `reportSubject` and `originals` (each: `subject`, `from`, `disposition`); verdict reasons are
 * left out of the defaults on purpose, since they name internal indicator lists.
 */
const LEADS: Record<Disposition, string> = {
  malicious:
    'The message you reported is malicious. {{#if removing}}We are removing it from every mailbox it reached, yours included.{{else}}Our security team has it in hand and will remove it; meanwhile, do not open its links or attachments.{{/if}} Thank you: your report protects your colleagues.',
  suspicious: 'The message you reported looks suspicious. Please do not click its links or open its attachments; our security team is keeping an eye on it.',
  spam: 'The message you reported is spam. It is not dangerous; you can delete it.',
  bulk: 'The message you reported is bulk mail (a newsletter or marketing). It is not dangerous; use its unsubscribe link if you no longer want it.',
  'low-risk': 'The message you reported is low risk. You can delete it; no further action is needed.',
  'known-good': 'The message you reported comes from a sender we know and trust. It is safe.',
  unknown: 'Thank you for your report. We could not reach a verdict automatically; a security analyst will look at it.',
};

const TEXT_BODY = `Hello,

{{lead}}

{{#each originals}}
  - "{{subject}}" from {{from}}: {{disposition}}
{{/each}}

Your security team`;

const HTML_BODY = `<p>Hello,</p>
<p>{{lead}}</p>
<ul>{{#each originals}}<li>&ldquo;{{subject}}&rdquo; from {{from}}: <strong>{{disposition}}</strong></li>{{/each}}</ul>
<p>Your security team</p>`;

export function defaultReplyTemplates(disposition: Disposition): { subject: string; text: string; html: string } {
  return {
    subject: `Re: {{reportSubject}} [${disposition}]`,
    text: TEXT_BODY.replace('{{lead}}', LEADS[disposition]),
    html: HTML_BODY.replace('{{lead}}', LEADS[disposition]),
  };
}
