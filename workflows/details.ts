import type { IncidentState } from '../src/domain/incident.js';

/** How far the search has got, and, while it runs, when it should end at the pace so far. */
export interface SearchProgress {
  searched: number;
  queued: number;
  etaMs?: number;
}

const LISTED = 10;

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  return minutes < 90 ? `about ${minutes} min` : `about ${Math.round(minutes / 60)} h`;
}

/** Markdown cell text: pipes and line breaks would end the cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
}

/**
 * The incident as the Temporal UI shows it above the history (`setCurrentDetails`): counts,
 * progress with an ETA while a large pull runs, the forward graph and what stays exposed.
 */
export function incidentDetails(state: IncidentState, progress: SearchProgress, links?: { incident: string; graph: string }): string {
  const { counts } = state;
  const parts = [
    `**${state.status}** · \`${cell(state.messageId)}\` from ${cell(state.sender)}${state.subject ? ` · “${cell(state.subject)}”` : ''}`,
    [
      '| recipients | mailboxes searched | copies found | pulled | restored | forwards | residual exposure |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      `| ${counts.recipients} | ${counts.mailboxesSearched} | ${counts.copiesFound} | ${counts.copiesPulled} | ${counts.copiesRestored} | ${counts.forwards} | ${counts.residual} |`,
    ].join('\n'),
  ];
  if (progress.queued > progress.searched) {
    const percent = Math.floor((100 * progress.searched) / progress.queued);
    const eta = progress.etaMs === undefined ? '' : `, ${duration(progress.etaMs)} left`;
    parts.push(`Searching: ${progress.searched} of ${progress.queued} mailboxes (${percent}%)${eta}`);
  }
  if (state.forwards.length > 0) {
    const edges = state.forwards
      .slice(0, LISTED)
      .map((forward) => `- ${cell(forward.from)} → ${forward.recipients.map(cell).join(', ')} (depth ${forward.depth})`);
    if (state.forwards.length > LISTED) edges.push(`- … and ${state.forwards.length - LISTED} more`);
    parts.push(['**Forwards**', ...edges].join('\n'));
  }
  if (state.residualExposure.length > 0) {
    const residual = state.residualExposure
      .slice(0, LISTED)
      .map((entry) => `- ${cell(entry.address)}: ${entry.reason}${entry.detail ? ` (${cell(entry.detail)})` : ''}`);
    if (state.residualExposure.length > LISTED) residual.push(`- … and ${state.residualExposure.length - LISTED} more`);
    parts.push(['**Residual exposure**', ...residual].join('\n'));
  }
  const undelivered = (state.notifications ?? []).filter((notification) => notification.status === 'failed');
  if (undelivered.length > 0) {
    const failed = undelivered
      .slice(0, LISTED)
      .map((n) => `- #${n.n} ${n.event} → ${cell(n.channel)}: ${n.attempts} attempt(s), ${cell(n.lastError ?? 'failed')}`);
    if (undelivered.length > LISTED) failed.push(`- … and ${undelivered.length - LISTED} more`);
    parts.push(['**Notifications not delivered** (re-send: `POST …/notifications/<n>/resend`)', ...failed].join('\n'));
  }
  if (links) parts.push(`[Forward graph](${links.graph}) · [Incident](${links.incident})`);
  return parts.join('\n\n');
}
