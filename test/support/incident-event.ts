import type { IncidentEvent } from '../../src/domain/events.js';

/** An `incident.contained` event as the workflow builds it, with fields overridable per test. */
export function incidentEvent(overrides: Partial<IncidentEvent> = {}): IncidentEvent {
  return {
    version: 2,
    id: 'abc123/2',
    type: 'incident.contained',
    incidentId: 'abc123',
    at: '2026-12-04T10:00:00.000Z',
    status: 'contained',
    messageId: '<invoice-4471@billing-portal.example>',
    sender: 'billing@billing-portal.example',
    subject: 'Overdue invoice 4471',
    sources: ['gateway'],
    threat: { classification: 'phish', score: 92 },
    counts: { recipients: 3, mailboxesSearched: 6, copiesFound: 6, copiesPulled: 6, copiesRestored: 0, forwards: 1, residual: 1 },
    residualExposure: [{ address: 'partner@outside.example', reason: 'external', detail: 'forwarded by alice@corp.example' }],
    links: { incident: 'https://clawback.corp.example/v1/incidents/abc123' },
    pulledMailboxes: ['alice@corp.example', 'bob@corp.example'],
    ...overrides,
  };
}
