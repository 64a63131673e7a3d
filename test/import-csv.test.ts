import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { CsvHeaderInvalid, isInvalid, parseCsvRows, type ParsedRow } from '../src/sources/csv.js';

async function rowsOf(text: string): Promise<ParsedRow[]> {
  const rows: ParsedRow[] = [];
  for await (const row of parseCsvRows(Readable.from([Buffer.from(text)]))) rows.push(row);
  return rows.sort((a, b) => a.row - b.row);
}

describe('CSV / SmartSearch parser', () => {
  it('reads a SmartSearch export: case-insensitive headers, BOM, recipient lists, multi-line quoted subjects', async () => {
    const text =
      '\uFEFFdate,SENDER,header_from,Recipients,Message_ID,Subject\r\n' +
      '2026-12-01T10:00:00Z,bad@evil.example,Boss <boss@evil.example>,alice@corp.example; Bob@corp.example,<a1@Evil.Example>,"Invoice\r\noverdue"\r\n' +
      '2026-12-01 11:00,,x@evil.example,"carol@corp.example,dave@corp.example",b2@evil.example,plain\r\n';
    const rows = await rowsOf(text);
    assert.equal(rows.length, 2);
    const [first, second] = rows;
    assert.ok(first && !isInvalid(first) && second && !isInvalid(second));
    assert.equal(first.row, 1);
    assert.equal(first.alert.messageId, '<a1@evil.example>');
    assert.equal(first.alert.sender, 'bad@evil.example');
    assert.deepEqual(first.alert.recipients, ['alice@corp.example', 'bob@corp.example']);
    assert.equal(first.alert.subject, 'Invoice overdue');
    assert.equal(first.alert.receivedAt, '2026-12-01T10:00:00.000Z');
    assert.equal(second.alert.sender, 'x@evil.example', 'Header_From stands in for an empty Sender');
    assert.deepEqual(second.alert.recipients, ['carol@corp.example', 'dave@corp.example']);
  });

  it('reports each bad row with its number, column and reason, and keeps the good ones', async () => {
    const text = [
      'Sender,Recipients,Message_ID,Subject,Date',
      'a@evil.example,alice@corp.example,,no id,',
      'not-an-address,alice@corp.example,<c3@evil.example>,x,',
      'a@evil.example,alice@corp.example;nobody-at-all,<c4@evil.example>,x,',
      'a@evil.example,alice@corp.example,"<c5@evil.example>\nBcc: victim@corp.example",x,',
      'a@evil.example,alice@corp.example,<c6@evil.example>,x,yesterday-ish',
      'a@evil.example,alice@corp.example,<c7@evil.example>,fine,',
    ].join('\n');
    const rows = await rowsOf(text);
    const invalid = rows.filter(isInvalid).map(({ row, column, reason }) => ({ row, column, reason }));
    assert.deepEqual(invalid, [
      { row: 1, column: 'Message_ID', reason: 'missing Message-ID' },
      { row: 2, column: 'Sender', reason: 'bad address "not-an-address"' },
      { row: 3, column: 'Recipients', reason: 'bad address "nobody-at-all"' },
      { row: 4, column: 'Message_ID', reason: 'contains a line break or NUL (header injection)' },
      { row: 5, column: 'Date', reason: 'not a date: "yesterday-ish"' },
    ]);
    const good = rows.filter((row) => !isInvalid(row));
    assert.deepEqual(good.map((row) => row.row), [6]);
  });

  it('turns an unreadable record into an invalid row instead of stopping', async () => {
    const rows = await rowsOf('Sender,Recipients,Message_ID\na@evil.example,al"ice@corp.example,<d1@evil.example>\na@evil.example,alice@corp.example,<d2@evil.example>\n');
    assert.equal(rows.length, 2);
    const [bad, good] = rows;
    assert.ok(bad && isInvalid(bad) && bad.row === 1 && /Invalid Opening Quote/.test(bad.reason));
    assert.ok(good && !isInvalid(good) && good.alert.messageId === '<d2@evil.example>');
  });

  it('refuses a file without a Message-ID column', async () => {
    await assert.rejects(rowsOf('Sender,Recipients\na@evil.example,alice@corp.example\n'), (error: unknown) => {
      const found = error instanceof CsvHeaderInvalid ? error : (error as { cause?: unknown }).cause;
      return found instanceof CsvHeaderInvalid && /no Message_ID column/.test(found.message);
    });
  });

  it('streams 100,000 rows without holding them', async () => {
    async function* generated() {
      yield 'Date,Sender,Recipients,Message_ID,Subject\n';
      for (let i = 0; i < 100_000; i++) yield `2026-12-01T10:00:00Z,a@evil.example,u${i % 997}@corp.example,<m${i % 50}@evil.example>,Subject ${i}\n`;
    }
    // Measure what stays after a collection, so the figure says what the parser keeps, not when GC ran.
    v8.setFlagsFromString('--expose-gc');
    const collect = vm.runInNewContext('gc') as () => void;
    const retained = () => {
      collect();
      return process.memoryUsage().heapUsed;
    };
    let count = 0;
    let afterTenThousand = 0;
    for await (const row of parseCsvRows(generated())) {
      assert.ok(!isInvalid(row));
      if (++count === 10_000) afterTenThousand = retained();
    }
    assert.equal(count, 100_000);
    const growth = retained() - afterTenThousand;
    // Holding 90,000 more parsed rows would keep tens of megabytes.
    assert.ok(growth < 8 * 1024 * 1024, `the heap kept ${Math.round(growth / 1e6)} MB over 90,000 rows`);
  });
});
