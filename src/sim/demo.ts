import { parseScenario, type Scenario } from './scenario.js';

/**
 * The demo tenant of `npm start` and of the end-to-end tests. After seeding:
 *
 * | mailbox     | the malicious message            | its forward              | the benign message |
 * |-------------|----------------------------------|--------------------------|--------------------|
 * | alice       | Inbox, unread (one copy, though  | Sent Items, read         | Inbox, unread      |
 * |             | addressed via list and alias)    |                          |                    |
 * | bob         | Inbox, read                      | –                        | Inbox, unread      |
 * | carol       | Inbox/Invoices, unread           | –                        | –                  |
 * | dave        | –                                | Inbox, unread            | –                  |
 * | finance     | Junk Email, unread (shared)      | –                        | –                  |
 *
 * The forward also went to partner@outside.example, outside the tenant's reach.
 */

export const DEMO_TENANT_ID = 'demo';
export const DEMO_DOMAIN = 'demo.clawback.test';
export const DEMO_MESSAGE_ID = '<invoice-4471@billing-portal.example>';
export const DEMO_FORWARD_ID = '<fw-4471-alice@demo.clawback.test>';
export const DEMO_BENIGN_MESSAGE_ID = '<review-agenda-1201@outside.example>';

export const DEMO_ADDRESSES = {
  alice: `alice@${DEMO_DOMAIN}`,
  aliceAlias: `a.smith@${DEMO_DOMAIN}`,
  bob: `bob@${DEMO_DOMAIN}`,
  carol: `carol@${DEMO_DOMAIN}`,
  dave: `dave@${DEMO_DOMAIN}`,
  finance: `finance@${DEMO_DOMAIN}`,
  allStaff: `all-staff@${DEMO_DOMAIN}`,
  teamEng: `team-eng@${DEMO_DOMAIN}`,
  partner: 'partner@outside.example',
  attacker: 'billing@billing-portal.example',
} as const;

const a = DEMO_ADDRESSES;

export const demoScenario: Scenario = parseScenario({
  tenantId: DEMO_TENANT_ID,
  domains: [DEMO_DOMAIN],
  users: [
    { address: a.alice, displayName: 'Alice Smith', aliases: [a.aliceAlias] },
    { address: a.bob, displayName: 'Bob Jones' },
    { address: a.carol, displayName: 'Carol White', folders: ['Inbox/Invoices'] },
    { address: a.dave, displayName: 'Dave Brown' },
    { address: a.finance, displayName: 'Finance', kind: 'shared' },
  ],
  groups: [
    { address: a.allStaff, displayName: 'All staff', members: [a.alice, a.teamEng] },
    // Contains all-staff, which contains it: expansion must still end.
    { address: a.teamEng, displayName: 'Engineering', members: [a.bob, a.carol, a.allStaff] },
  ],
  contacts: [{ address: a.partner, displayName: 'Partner Ltd' }],
  messages: [
    {
      messageId: DEMO_BENIGN_MESSAGE_ID,
      from: a.partner,
      to: [a.alice, a.bob],
      subject: 'Agenda for Thursday',
      date: '2026-12-01T08:02:00Z',
      body: 'Hi both, the agenda for Thursday is attached. Regards, Partner Ltd',
    },
    {
      messageId: DEMO_MESSAGE_ID,
      from: a.attacker,
      // Alice is reached twice (via the list and her alias) and gets one copy, as in Exchange.
      to: [a.allStaff, a.aliceAlias],
      cc: [a.finance],
      subject: 'Overdue invoice 4471',
      date: '2026-12-01T09:14:00Z',
      body: 'Your invoice 4471 is overdue. Sign in to the billing portal to avoid suspension: https://billing-portal.example/pay',
      attachments: [
        {
          filename: 'invoice-4471.html',
          contentType: 'text/html',
          contentBase64: Buffer.from('<form action="https://billing-portal.example/pay"><input name="password"></form>').toString('base64'),
        },
      ],
    },
  ],
  forwards: [
    {
      of: DEMO_MESSAGE_ID,
      by: a.alice,
      messageId: DEMO_FORWARD_ID,
      to: [a.dave, a.partner],
      date: '2026-12-01T09:31:00Z',
      body: 'Dave, is this one ours? Copying Partner Ltd in case it is theirs.',
    },
  ],
  moves: [
    { messageId: DEMO_MESSAGE_ID, mailbox: a.carol, folder: 'Inbox/Invoices' },
    { messageId: DEMO_MESSAGE_ID, mailbox: a.bob, isRead: true },
    { messageId: DEMO_MESSAGE_ID, mailbox: a.finance, folder: 'junkemail' },
  ],
});
