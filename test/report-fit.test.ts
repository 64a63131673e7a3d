import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParsedReport, type ReportedOriginal } from '../src/domain/report.js';
import { fitReport } from '../src/reports/fit.js';

const original = (urls: number, urlLength: number, attachments = 0): ReportedOriginal => ({
  found: 'attachment',
  messageId: '<x@evil.example>',
  from: 'x@evil.example',
  replyTo: [],
  to: [],
  urls: Array.from({ length: urls }, (_, i) => ({ url: `https://evil.example/${i}/${'a'.repeat(urlLength)}` })),
  attachments: Array.from({ length: attachments }, (_, i) => ({ filename: `f${i}.bin`, contentType: 'application/octet-stream', size: i, sha256: '0'.repeat(64) })),
});

test('a report within bounds is left as it is', () => {
  const report: ParsedReport = { reporter: 'a@corp.example', originals: [original(10, 20)], problems: [] };
  assert.deepEqual(fitReport(report), report);
});

test('hostile reports are cut to the bound, every cut said, every original kept', () => {
  const report: ParsedReport = { originals: [original(200, 9000), original(200, 100), original(0, 0, 20_000)], problems: [] };
  const fitted = fitReport(report, 64 * 1024);
  assert.ok(Buffer.byteLength(JSON.stringify(fitted)) <= 64 * 1024);
  assert.equal(fitted.originals.length, 3);
  assert.ok(fitted.originals[0]!.urls.every((u) => u.url.length <= 2048));
  assert.ok(fitted.problems.some((p) => /over-long value/.test(p)));
  assert.ok(fitted.problems.some((p) => /dropped to keep/.test(p)));
  assert.ok(ParsedReport.safeParse(fitted).success);
  assert.equal(report.originals[0]!.urls.length, 200, 'the input is not changed');
  assert.equal(report.originals[2]!.attachments.length, 20_000);
});

test('twenty originals each naming thousands of recipients fit too', () => {
  const crowded = (i: number): ReportedOriginal => ({ ...original(0, 0), subject: 's'.repeat(5000), to: Array.from({ length: 2000 }, (_, n) => `user${n}.${i}@corp.example`) });
  const fitted = fitReport({ originals: Array.from({ length: 20 }, (_, i) => crowded(i)), problems: Array.from({ length: 500 }, (_, n) => `problem ${n}`) });
  assert.ok(Buffer.byteLength(JSON.stringify(fitted)) <= 256 * 1024);
  assert.equal(fitted.originals.length, 20);
  assert.ok(fitted.originals.every((o) => o.subject!.length === 998 && o.to.length > 0));
  assert.ok(fitted.problems.some((p) => /450 further problem/.test(p)));
  assert.ok(fitted.problems.some((p) => /recipients or attachments dropped/.test(p)));
});
