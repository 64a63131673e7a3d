import type { ReportOutcome } from './report-messages.js';

/**
 * Text from a report (subjects, addresses: whatever its sender wrote) as inert Markdown on one
 * line: no links, emphasis or headings an attacker could place in front of an analyst.
 */
export function plainText(text: string, max = 300): string {
  const flat = text.replace(/[\r\n\t\u2028\u2029]+/g, ' ').replace(/[\\`*_{}[\]()<>#+\-.!|~]/g, (c) => `\\${c}`);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The report's ending as the Temporal UI shows it: what was reported, the verdicts and why. */
export function reportDetails(outcome: ReportOutcome, workflowId: string): string {
  const reply = outcome.replied ? ', reporter answered' : outcome.replyFailed ? `, **reply failed**: ${plainText(outcome.replyFailed)}` : '';
  const lines = [`**${outcome.disposition}** — report from ${plainText(outcome.reporter ?? 'an unknown sender')} in ${outcome.abuseMailbox}, filed in *${outcome.filedIn}*${reply}`, ''];
  if (outcome.originals.length === 0) lines.push('No reported message could be recovered: kept for an analyst.');
  for (const { original, verdict, incident, confirmation } of outcome.originals) {
    lines.push(`- ${plainText(original.subject ?? '(no subject)')} from ${plainText(original.from ?? '?')} ${plainText(original.messageId ?? '(no Message-ID)')}: **${verdict.disposition}**`);
    lines.push(`  - ${plainText(confirmation)}`);
    for (const reason of verdict.reasons) lines.push(`  - ${plainText(reason)}`);
    if (incident) lines.push(`  - incident ${incident.incidentId} (${incident.status})`);
  }
  if (outcome.problems.length > 0) lines.push('', `Parsing: ${outcome.problems.map((p) => plainText(p)).join('; ')}`);
  lines.push('', `\`${workflowId}\``);
  return lines.join('\n');
}
