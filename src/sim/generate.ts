import type { ScenarioInput } from './scenario.js';

export interface SyntheticTenantOptions {
  mailboxes: number;
  /** Users per distribution list; the lists are nested under one all-hands list. */
  listFanout: number;
  /** Internal forward chains of the campaign message: A forwards to B, B to C, … */
  forwardChains: number;
  forwardChainLength: number;
  /** Unrelated messages per mailbox, so searches have something to skip. */
  noisePerMailbox: number;
  domain?: string;
}

export const SYNTHETIC_CAMPAIGN_ID = '<campaign-0001@bulk-sender.example>';

/**
 * A large tenant for tests and benchmarks: `mailboxes` users in lists of `listFanout`, one
 * campaign message sent to the all-hands list (every mailbox gets a copy), forward chains of it,
 * and noise. Deterministic: the same options give the same tenant.
 */
export function syntheticScenario(options: SyntheticTenantOptions): ScenarioInput {
  const domain = options.domain ?? 'bench.clawback.test';
  const user = (i: number) => `user${i}@${domain}`;
  const users = Array.from({ length: options.mailboxes }, (_, i) => ({ address: user(i) }));
  const listCount = Math.ceil(options.mailboxes / options.listFanout);
  const lists = Array.from({ length: listCount }, (_, k) => ({
    address: `list${k}@${domain}`,
    members: users.slice(k * options.listFanout, (k + 1) * options.listFanout).map((u) => u.address),
  }));
  const allHands = { address: `all-hands@${domain}`, members: lists.map((l) => l.address) };
  const date = (minute: number) => new Date(Date.UTC(2026, 11, 1, 9, minute)).toISOString();

  const noise = Array.from({ length: options.noisePerMailbox }, (_, n) => ({
    messageId: `<noise-${n}@${domain}>`,
    from: `newsletter@news.example`,
    to: [allHands.address],
    subject: `Newsletter ${n}`,
    date: date(n % 50),
  }));
  const campaign = { messageId: SYNTHETIC_CAMPAIGN_ID, from: 'billing@bulk-sender.example', to: [allHands.address], subject: 'Invoice overdue', date: date(55) };

  // Chain c starts at user c*length and forwards along consecutive users; every hop's sender holds a copy.
  const forwards = Array.from({ length: options.forwardChains }, (_, c) =>
    Array.from({ length: options.forwardChainLength }, (_, hop) => {
      const from = (c * options.forwardChainLength + hop) % options.mailboxes;
      const to = (from + 1) % options.mailboxes;
      return {
        of: hop === 0 ? SYNTHETIC_CAMPAIGN_ID : `<fw-${c}-${hop - 1}@${domain}>`,
        by: user(from),
        messageId: `<fw-${c}-${hop}@${domain}>`,
        to: [user(to)],
        date: date(56 + hop),
      };
    }),
  ).flat();

  return {
    tenantId: 'bench',
    domains: [domain],
    users,
    groups: [allHands, ...lists],
    messages: [campaign, ...noise],
    forwards,
  };
}
