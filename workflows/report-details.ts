import type { ReportOutcome } from './report-messages.js';

/** The report's ending as the Temporal UI shows it: what was reported, the verdicts and why. */
export function reportDetails(outcome: ReportOutcome, workflowId: string): string {
  const lines = [
    `**${outcome.disposition}** — report from ${outcome.reporter ?? 'an unknown sender'} in ${outcome.abuseMailbox}, filed in *${outcome.filedIn}*${outcome.replied ? ', reporter answered' : outcome.replyFailed ? `, **reply failed**: ${outcome.replyFailed}` : ''}`,
    '',
  ];
  if (outcome.originals.length === 0) lines.push('No reported message could be recovered: kept for an analyst.');
  for (const { original, verdict, incident, located } of outcome.originals) {
    lines.push(`- ${original.subject ?? '(no subject)'} from ${original.from ?? '?'} ${original.messageId ?? '(no Message-ID)'}: **${verdict.disposition}**`);
    if (located) lines.push(`  - ${located}`);
    for (const reason of verdict.reasons) lines.push(`  - ${reason}`);
    if (incident) lines.push(`  - incident ${incident.incidentId} (${incident.status})`);
  }
  if (outcome.problems.length > 0) lines.push('', `Parsing: ${outcome.problems.join('; ')}`);
  lines.push('', `\`${workflowId}\``);
  return lines.join('\n');
}
