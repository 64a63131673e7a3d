import { parse, type CsvError } from 'csv-parse';
import { z } from 'zod';
import { Address, Alert, HEADER_BREAK, ThreatClassification } from '../domain/alert.js';
import { addressList } from './fields.js';

/**
 * CSV and message-trace (SmartSearch) exports: one delivered message per row. Header names are
 * matched case-insensitively and without punctuation, so `Message_ID`, `Message-ID` and
 * `message id` are one column.
 */
const COLUMN_ALIASES: Record<string, ColumnName> = {
  date: 'date',
  sender: 'sender',
  envelopefrom: 'sender',
  headerfrom: 'headerFrom',
  from: 'headerFrom',
  recipients: 'recipients',
  recipient: 'recipients',
  to: 'recipients',
  messageid: 'messageId',
  subject: 'subject',
  classification: 'classification',
  threat: 'classification',
};
type ColumnName = 'date' | 'sender' | 'headerFrom' | 'recipients' | 'messageId' | 'subject' | 'classification';

/** The header each normalised column is reported under in an invalid row. */
const COLUMN_LABEL: Record<ColumnName, string> = {
  date: 'Date',
  sender: 'Sender',
  headerFrom: 'Header_From',
  recipients: 'Recipients',
  messageId: 'Message_ID',
  subject: 'Subject',
  classification: 'Classification',
};

export const ImportedRow = z.object({
  /** 1 = the first row after the header. */
  row: z.number().int().min(1),
  alert: Alert,
});
export type ImportedRow = z.infer<typeof ImportedRow>;

export const InvalidRow = z.object({
  row: z.number().int().min(1),
  column: z.string(),
  reason: z.string(),
});
export type InvalidRow = z.infer<typeof InvalidRow>;

export type ParsedRow = ImportedRow | InvalidRow;

export function isInvalid(row: ParsedRow): row is InvalidRow {
  return 'reason' in row;
}

/** A file that cannot be read as a message list at all (no Message-ID column, say). */
export class CsvHeaderInvalid extends Error {
  constructor(readonly detail: string) {
    super(`the CSV header is not usable: ${detail}`);
    this.name = 'CsvHeaderInvalid';
  }
}

/**
 * Streams rows out of a CSV export, one normalised alert or one invalid row (with its row number,
 * column and reason) at a time; nothing holds more than the current record.
 */
export async function* parseCsvRows(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<ParsedRow> {
  const skipped: InvalidRow[] = [];
  // Numbered as the parser meets them, so a skipped row and the records around it keep their order.
  let recordsSeen = 0;
  let header: (ColumnName | undefined)[] | undefined;
  const parser = parse({
    bom: true,
    columns: (names: string[]) => {
      header = names.map((name) => COLUMN_ALIASES[name.toLowerCase().replace(/[^a-z]/g, '')]);
      if (!header.includes('messageId')) throw new CsvHeaderInvalid(`no Message_ID column among ${names.join(', ')}`);
      if (!header.includes('recipients')) throw new CsvHeaderInvalid(`no Recipients column among ${names.join(', ')}`);
      if (!header.includes('sender') && !header.includes('headerFrom')) throw new CsvHeaderInvalid(`neither a Sender nor a Header_From column among ${names.join(', ')}`);
      return names.map((_, i) => header![i] ?? false);
    },
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      skipped.push({ row: ++recordsSeen, column: '(row)', reason: error?.message ?? 'unreadable row' });
    },
    on_record: (record: Partial<Record<ColumnName, string>>) => ({ row: ++recordsSeen, record }),
  });
  const feed = (async () => {
    try {
      for await (const chunk of input) if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve));
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  for await (const { row, record } of parser as AsyncIterable<{ row: number; record: Partial<Record<ColumnName, string>> }>) {
    yield* skipped.splice(0);
    yield normaliseRow(row, record);
  }
  yield* skipped.splice(0);
  await feed;
}

/** One record to an alert, or to the first reason it cannot be one. */
export function normaliseRow(row: number, record: Partial<Record<ColumnName, string>>): ParsedRow {
  const invalid = (column: ColumnName, reason: string): InvalidRow => ({ row, column: COLUMN_LABEL[column], reason });
  for (const column of ['messageId', 'sender', 'headerFrom', 'recipients'] as const) {
    if (HEADER_BREAK.test(record[column] ?? '')) return invalid(column, 'contains a line break or NUL (header injection)');
  }
  const messageId = (record.messageId ?? '').trim();
  if (!messageId) return invalid('messageId', 'missing Message-ID');
  const senderColumn: ColumnName = record.sender?.trim() ? 'sender' : 'headerFrom';
  const sender = (record[senderColumn] ?? '').trim().replace(/^<|>$/g, '');
  if (!sender) return invalid(senderColumn, 'missing sender');
  if (!Address.safeParse(sender).success) return invalid(senderColumn, `bad address "${sender}"`);
  const recipients = [...new Set(addressList(record.recipients).map((r) => r.replace(/^<|>$/g, '').toLowerCase()))];
  if (recipients.length === 0) return invalid('recipients', 'no recipients');
  const bad = recipients.find((r) => !Address.safeParse(r).success);
  if (bad) return invalid('recipients', `bad address "${bad}"`);
  let receivedAt: string | undefined;
  if (record.date?.trim()) {
    const when = new Date(record.date.trim());
    if (Number.isNaN(when.getTime())) return invalid('date', `not a date: "${record.date.trim()}"`);
    receivedAt = when.toISOString();
  }
  const classification = ThreatClassification.safeParse(record.classification?.trim().toLowerCase());
  // A subject may span lines inside quotes; providers match it as one line.
  const subject = record.subject?.replace(/\s+/g, ' ').trim();
  const parsed = Alert.safeParse({
    messageId,
    sender,
    recipients,
    ...(subject ? { subject: subject.slice(0, 2000) } : {}),
    ...(receivedAt ? { receivedAt } : {}),
    threat: { classification: classification.success ? classification.data : 'other' },
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const column = issue.path[0] === 'messageId' ? 'messageId' : issue.path[0] === 'recipients' ? 'recipients' : senderColumn;
    return invalid(column, issue.message);
  }
  return { row, alert: parsed.data };
}
