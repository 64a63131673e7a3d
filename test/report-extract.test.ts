import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { ParsedReport } from '../src/domain/report.js';
import { parseReport } from '../src/reports/extract.js';
import { unwrapLink } from '../src/reports/urls.js';

const compose = (options: Mail.Options): Promise<Buffer> => new MailComposer(options).compile().build();
const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const INVOICE = Buffer.from('%PDF-1.4 not really an invoice');
const SAFE_LINK =
  'https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example%2Flogin%3Fa%3D1&data=05%7C02%7Calice%40corp.example&reserved=0';

function phish(change: Partial<Mail.Options> = {}): Promise<Buffer> {
  return compose({
    from: '"PayPal Service" <Billing@Evil.Example>',
    replyTo: 'Collect@Drop.example',
    to: 'Alice <alice@corp.example>',
    cc: 'bob@corp.example',
    subject: 'Invoice overdue',
    date: new Date('2026-12-01T09:30:00Z'),
    messageId: '<Abc.123@Mail.Evil.Example>',
    headers: { 'Return-Path': '<Bounce@Evil.Example>' },
    text: 'Pay at https://evil.example/pay today.',
    html: `<p>Pay <a href="https://evil.example/pay">here</a> or <a href="${SAFE_LINK.replaceAll('&', '&amp;')}">log in</a>. <a href="mailto:help@evil.example">Help</a></p>`,
    attachments: [{ filename: 'invoice.pdf', content: INVOICE, contentType: 'application/pdf' }],
    ...change,
  });
}

function reportAttaching(...attached: Array<{ content: Buffer; filename?: string; contentType?: string }>): Promise<Buffer> {
  return compose({
    from: 'Alice <Alice@Corp.Example>',
    to: 'abuse@corp.example',
    subject: 'Is this phishing?',
    messageId: '<report-1@Corp.Example>',
    text: 'Please check the attached message.',
    attachments: attached.map(({ content, filename = 'message.eml', contentType = 'message/rfc822' }) => ({ content, filename, contentType })),
  });
}

/** Parses and checks the result against the fixed output schema, as every consumer relies on it. */
async function parsed(raw: Buffer, limits?: Parameters<typeof parseReport>[1]): Promise<ParsedReport> {
  return ParsedReport.parse(await parseReport(raw, limits));
}

describe('reports with the message attached', () => {
  test('an attached .eml gives every indicator of the message, attachments hashed', async () => {
    const report = await parsed(await reportAttaching({ content: await phish(), filename: 'phish.eml' }));
    assert.deepEqual(report, {
      reporter: 'alice@corp.example',
      messageId: '<report-1@corp.example>',
      subject: 'Is this phishing?',
      originals: [
        {
          found: 'attachment',
          messageId: '<Abc.123@mail.evil.example>',
          from: 'billing@evil.example',
          replyTo: ['collect@drop.example'],
          returnPath: 'bounce@evil.example',
          to: ['alice@corp.example', 'bob@corp.example'],
          subject: 'Invoice overdue',
          date: '2026-12-01T09:30:00.000Z',
          urls: [{ url: 'https://evil.example/pay' }, { url: 'https://evil.example/login?a=1', wrapped: SAFE_LINK }],
          attachments: [{ filename: 'invoice.pdf', contentType: 'application/pdf', size: INVOICE.length, sha256: sha256(INVOICE) }],
        },
      ],
      problems: [],
    });
  });

  test("Outlook's report button: an .eml sent as application/octet-stream is the original", async () => {
    const report = await parsed(await reportAttaching({ content: await phish(), filename: 'Invoice overdue.eml', contentType: 'application/octet-stream' }));
    assert.deepEqual(report.originals.map((original) => [original.found, original.messageId]), [['attachment', '<Abc.123@mail.evil.example>']]);
  });

  test('each attached message is an original, up to maxOriginals', async () => {
    const second = await phish({ messageId: '<second@evil.example>', subject: 'Your parcel', attachments: [] });
    const raw = await reportAttaching({ content: await phish() }, { content: second });

    const both = await parsed(raw);
    assert.deepEqual(both.originals.map((original) => original.subject), ['Invoice overdue', 'Your parcel']);
    assert.deepEqual(both.originals[1]?.attachments, []);

    const capped = await parsed(raw, { maxOriginals: 1 });
    assert.deepEqual(capped.originals.map((original) => original.subject), ['Invoice overdue']);
    assert.deepEqual(capped.problems, ['report: more than 1 attached messages: the rest were not opened']);
  });

  test('URLs are deduplicated by destination and capped at maxUrls', async () => {
    const links = ['https://a.example/1', 'https://b.example/2', 'https://c.example/3', 'https://d.example/4'];
    const html = links.map((link) => `<a href="${link}">${link}</a>`).join(' ');
    const raw = await reportAttaching({ content: await phish({ text: links.join('\n'), html, attachments: [] }) });
    const report = await parsed(raw, { maxUrls: 3 });
    assert.deepEqual(report.originals[0]?.urls, links.slice(0, 3).map((url) => ({ url })));
    assert.deepEqual(report.problems, ['attached message 1: more than 3 distinct URLs: the rest were left out']);
  });
});

describe('reports that forward the message inline', () => {
  const reporterHeaders = ['From: Alice <alice@corp.example>', 'To: abuse@corp.example', 'Subject: FW: Invoice overdue', 'Message-ID: <fw-1@corp.example>'];

  test("Outlook's text layout: [mailto:] senders, ; lists, Sent date, only the forwarded part's URLs", async () => {
    const raw = crlf([
      ...reporterHeaders,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Looks fishy. Our policy: https://corp.example/policy',
      '',
      '-----Original Message-----',
      'From: PayPal Service [mailto:Billing@Evil.Example]',
      'Sent: Tuesday, December 1, 2026 9:30 AM',
      "To: Alice Smith <alice@corp.example>; Team Finance; bob@corp.example",
      "Cc: 'Carol' <carol@corp.example>",
      'Subject: Invoice overdue',
      '',
      'Pay at https://evil.example/pay today.',
    ]);
    const report = await parsed(raw);
    assert.equal(report.reporter, 'alice@corp.example');
    assert.deepEqual(report.originals, [
      {
        found: 'inline-outlook',
        from: 'billing@evil.example',
        to: ['alice@corp.example', 'bob@corp.example', 'carol@corp.example'],
        subject: 'Invoice overdue',
        date: '2026-12-01T09:30:00.000Z',
        replyTo: [],
        urls: [{ url: 'https://evil.example/pay' }],
        attachments: [],
      },
    ]);
    assert.deepEqual(report.problems, []);
  });

  test("Outlook's HTML-only layout: a bordered header block, Safe Links hrefs decoded, the reporter's links left out", async () => {
    const html = [
      '<html><head><style>p { margin: 0 }</style></head><body>',
      '<p>Phishing? See <a href="https://corp.example/policy">our policy</a>.</p>',
      '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">',
      '<p class="MsoNormal"><b>From:</b> PayPal Service &lt;billing@evil.example&gt;<br>',
      '<b>Sent:</b> Tuesday, December 1, 2026 9:30 AM<br>',
      '<b>To:</b> Alice Smith &lt;alice@corp.example&gt;<br>',
      '<b>Subject:</b> Invoice overdue</p></div>',
      `<p>Please <a href="${SAFE_LINK.replaceAll('&', '&amp;')}">pay here</a>.</p>`,
      '</body></html>',
    ].join('\n');
    const report = await parsed(await compose({ from: 'alice@corp.example', to: 'abuse@corp.example', subject: 'FW: Invoice overdue', html }));
    assert.deepEqual(report.originals, [
      {
        found: 'inline-outlook',
        from: 'billing@evil.example',
        to: ['alice@corp.example'],
        subject: 'Invoice overdue',
        date: '2026-12-01T09:30:00.000Z',
        replyTo: [],
        urls: [{ url: 'https://evil.example/login?a=1', wrapped: SAFE_LINK }],
        attachments: [],
      },
    ]);
  });

  test("Outlook in German: the header words are recognised; a date it cannot read is left out", async () => {
    const raw = crlf([
      ...reporterHeaders,
      '',
      '________________________________',
      'Von: Buchhaltung <rechnung@evil.example>',
      'Gesendet: Dienstag, 1. Dezember 2026 09:30',
      'An: alice@corp.example',
      'Betreff: Rechnung',
      '',
      'Bitte zahlen: https://evil.example/zahlen',
    ]);
    const [original] = (await parsed(raw)).originals;
    assert.deepEqual(
      { found: original?.found, from: original?.from, subject: original?.subject, date: original?.date },
      { found: 'inline-outlook', from: 'rechnung@evil.example', subject: 'Rechnung', date: undefined },
    );
  });

  test("Gmail's layout in text and HTML: headers from the text, links of both after the marker, the original's files", async () => {
    const text = [
      'Is this real?',
      '',
      '---------- Forwarded message ---------',
      'From: PayPal <billing@evil.example>',
      'Date: Tue, Dec 1, 2026 at 9:30 AM',
      'Subject: Invoice overdue',
      'To: <alice@corp.example>',
      '',
      '',
      'Pay at https://evil.example/pay',
    ].join('\n');
    const html = [
      '<div dir="ltr">Is this real? <a href="https://corp.example/me">me</a><br><br>',
      '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>',
      'From: <strong class="gmail_sendername" dir="auto">PayPal</strong> <span dir="auto">&lt;<a href="mailto:billing@evil.example">billing@evil.example</a>&gt;</span><br>',
      'Date: Tue, Dec 1, 2026 at 9:30 AM<br>Subject: Invoice overdue<br>To: &lt;<a href="mailto:alice@corp.example">alice@corp.example</a>&gt;<br></div><br><br>',
      'Pay <a href="https://www.google.com/url?q=https://evil.example/pay&amp;sa=D&amp;ust=1764581400000000">here</a> or',
      ' <a href="https://www.google.com/url?q=https://evil.example/other%3Fid%3D7&amp;sa=D">there</a></div></div>',
    ].join('\n');
    const raw = await compose({
      from: 'alice@corp.example',
      to: 'abuse@corp.example',
      subject: 'Fwd: Invoice overdue',
      text,
      html,
      attachments: [{ filename: 'invoice.pdf', content: INVOICE, contentType: 'application/pdf' }],
    });
    assert.deepEqual((await parsed(raw)).originals, [
      {
        found: 'inline-gmail',
        from: 'billing@evil.example',
        to: ['alice@corp.example'],
        subject: 'Invoice overdue',
        date: '2026-12-01T09:30:00.000Z',
        replyTo: [],
        urls: [
          { url: 'https://evil.example/pay' },
          { url: 'https://evil.example/other?id=7', wrapped: 'https://www.google.com/url?q=https://evil.example/other%3Fid%3D7&sa=D' },
        ],
        attachments: [{ filename: 'invoice.pdf', contentType: 'application/pdf', size: INVOICE.length, sha256: sha256(INVOICE) }],
      },
    ]);
  });

  test('a report that carries no message gives no original and says so', async () => {
    const raw = await compose({ from: 'alice@corp.example', to: 'abuse@corp.example', subject: 'Is this phishing?', text: 'Someone called me asking for my password. From: an unknown number.' });
    const report = await parsed(raw);
    assert.deepEqual(report.originals, []);
    assert.equal(report.reporter, 'alice@corp.example');
    assert.deepEqual(report.problems, ['report: no reported message found: none is attached and the body forwards none']);
  });
});

describe('links rewritten by mail gateways', () => {
  const decodes: Array<[string, string, string]> = [
    [
      'Proofpoint URL Defense v1',
      'https://urldefense.proofpoint.com/v1/url?u=https%3A%2F%2Fevil.example%2Fv1%3Fq%3Da%2Bb&k=oIvRg1%2BdGAgOoM1BIlLLqw%3D%3D%0A&r=abc&m=def&s=123',
      'https://evil.example/v1?q=a+b',
    ],
    [
      'Proofpoint URL Defense v2',
      'https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example_login-3Fid-3D42-26lang-3Den&d=DwMFaQ&c=euGZstcaTDllvimEN8b7jXrwqOf-v5A_CdpgnVfiiMM&r=abc&m=def&s=ghi&e=',
      'https://evil.example/login?id=42&lang=en',
    ],
    [
      // `ü`, `?`, the run `&b` (**A: 2) and the run `&c=` (**B: 3) carried in base64url after `__;`.
      'Proofpoint URL Defense v3',
      'https://urldefense.com/v3/__https://evil.example/m*nchen/p*a=1**A=2**B3__;w7w_JmImYz0!!CQl3mcHX2A!Gx7d0lKh0x2zAfX7ZJkAb3$',
      'https://evil.example/münchen/p?a=1&b=2&c=3',
    ],
    ['Microsoft Safe Links', SAFE_LINK, 'https://evil.example/login?a=1'],
    ['a Google redirect', 'https://www.google.com/url?q=https://evil.example/g%3Fx%3D1&sa=D&source=editors&usg=AOvVaw0', 'https://evil.example/g?x=1'],
  ];
  for (const [gateway, wrapped, url] of decodes) {
    test(`${gateway} links are decoded, the link as it appeared kept`, () => {
      assert.deepEqual(unwrapLink(wrapped), { url, wrapped });
    });
  }

  test('a wrapper inside a wrapper is peeled to the destination', () => {
    const inner = 'https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example_x&d=DwMFaQ&c=a&r=b&m=c&s=d&e=';
    const outer = `https://eur01.safelinks.protection.outlook.com/?url=${encodeURIComponent(inner)}&data=05&reserved=0`;
    assert.deepEqual(unwrapLink(outer), { url: 'https://evil.example/x', wrapped: outer });
  });

  test('Mimecast, unknown wrappers and a v3 link missing its replacement characters are kept as they are', () => {
    for (const link of [
      'https://protect-eu.mimecast.com/s/AbCdEfGhIjKlMn?domain=evil.example',
      'https://links.gateway.example/r?u=https%3A%2F%2Fevil.example',
      'https://urldefense.com/v3/__https://evil.example/p*a=1**A=2__;Pw!!CQl3mcHX2A!Gx7d$',
    ]) {
      assert.deepEqual(unwrapLink(link), { url: link });
    }
  });
});

describe('hostile reports: a result with problems, never an exception', () => {
  test('messages nested 50 deep are opened down to maxDepth only', async () => {
    let raw = await phish();
    for (let level = 0; level < 50; level++) {
      raw = await compose({ from: `user${level}@corp.example`, to: 'abuse@corp.example', subject: `fw ${level}`, text: 'see attached', attachments: [{ filename: 'fw.eml', content: raw, contentType: 'message/rfc822' }] });
    }
    const report = await parsed(raw);
    assert.equal(report.subject, 'fw 49');
    assert.deepEqual(report.originals.map((original) => original.subject), ['fw 48', 'fw 47', 'fw 46', 'fw 45', 'fw 44']);
    assert.deepEqual(report.problems, ['attached message 1.1.1.1.1.1: nested 6 messages deep, over the limit of 5: not opened']);
  });

  test('a header block over maxHeaderBytes (one 1 MB header line) is refused unparsed', async () => {
    const raw = crlf(['From: alice@corp.example', `X-Padding: ${'a'.repeat(1024 * 1024)}`, 'Subject: big', '', 'body']);
    assert.deepEqual(await parsed(raw), { originals: [], problems: ['report: header block is over the limit of 262144 bytes: not parsed'] });
  });

  test('a report over maxBytes (30 MB) is refused unparsed', async () => {
    const raw = Buffer.concat([crlf(['From: alice@corp.example', 'Subject: huge', '', '']), Buffer.alloc(30 * 1024 * 1024, 'A')]);
    const report = await parsed(raw);
    assert.deepEqual(report.originals, []);
    assert.equal(report.reporter, undefined);
    assert.match(report.problems.join('\n'), /^report: \d+ bytes is over the limit of 26214400: not parsed$/);
  });

  const damaged = (contentLines: string[]): Buffer =>
    crlf(['From: alice@corp.example', 'Subject: damaged report', 'MIME-Version: 1.0', ...contentLines]);

  test('invalid base64 is reported, and what decodes is still read', async () => {
    const raw = damaged([
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--b1',
      'Content-Type: application/pdf; name="invoice.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0xLjQ=',
      'not base64 at all!!! ***',
      '--b1--',
      '',
    ]);
    const report = await parsed(raw);
    assert.equal(report.subject, 'damaged report');
    assert.ok(report.problems.includes('report: 1 base64 part(s) contain invalid characters: their content is incomplete'), report.problems.join('\n'));
  });

  test('an unknown charset is reported and the rest is read', async () => {
    const raw = damaged(['Content-Type: text/plain; charset="x-klingon"', '', 'nuqneH https://evil.example/q']);
    const report = await parsed(raw);
    assert.equal(report.reporter, 'alice@corp.example');
    assert.ok(report.problems.includes('report: charset "x-klingon" is not a known text encoding: text in it may be garbled'), report.problems.join('\n'));
  });

  test('a multipart cut off before its closing boundary is reported, and the attached message still read', async () => {
    const attached = (await phish({ attachments: [] })).toString();
    const raw = damaged(['Content-Type: multipart/mixed; boundary="b2"', '', '--b2', 'Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="phish.eml"', '', attached]);
    const report = await parsed(raw);
    assert.ok(report.problems.includes('report: multipart with boundary "b2" never closes: the message is truncated or damaged'), report.problems.join('\n'));
    assert.deepEqual(report.originals.map((original) => original.messageId), ['<Abc.123@mail.evil.example>']);
  });

  test('HTML nested 100,000 elements deep is read only down to the nesting limit', async () => {
    const forward = '<p>From: billing@evil.example<br>Sent: Tuesday, December 1, 2026 9:30 AM<br>Subject: Invoice overdue</p>';
    const html = `${forward}<a href="https://evil.example/pay">pay</a>${'<b>'.repeat(100_000)}<a href="https://evil.example/deep">deep</a>`;
    const report = await parsed(await compose({ from: 'alice@corp.example', subject: 'FW: nested', html }));
    assert.deepEqual(report.originals.map((original) => original.urls), [[{ url: 'https://evil.example/pay' }]]);
    assert.deepEqual(report.problems, ['report: HTML nests more than 1000 elements deep: the rest of it was not read']);
  });

  test('binary garbage gives no report fields, no originals and problems', async () => {
    const garbage = Buffer.alloc(64 * 1024);
    let state = 7;
    for (let i = 0; i < garbage.length; i++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      garbage[i] = state >> 16;
    }
    const report = await parsed(garbage);
    assert.deepEqual(report.originals, []);
    assert.ok(report.problems.some((problem) => problem.includes('no reported message found')));
  });
});
