import { Client, Connection } from '@temporalio/client';
import { DEMO_DOMAIN } from '../src/sim/demo.js';
import { ImportClient } from '../src/sources/csv-import.js';
import { ImportStore } from '../src/sources/csv-spool.js';

/**
 * The API's side of an import in a process of its own, as `clawback api` runs it: a generated CSV
 * parsed, spooled and handed to a new cleanup workflow. Prints its time, peak RSS and workflow id.
 */
const [address, taskQueue, dir, rowsArg, messagesArg, recipientsArg, tag] = process.argv.slice(2);
const rows = Number(rowsArg);
const messages = Number(messagesArg);
const recipients = Number(recipientsArg);

async function* csv() {
  yield 'Date,Sender,Header_From,Recipients,Message_ID,Subject\n';
  for (let i = 0; i < rows; i++) yield `2026-12-01T10:00:00Z,billing@bulk.example,,user${i % recipients}@${DEMO_DOMAIN},<bulk-${i % messages}.${tag}@bulk.example>,"Invoice ${i}"\n`;
}

const connection = await Connection.connect({ address: address! });
let peakRss = process.memoryUsage().rss;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const started = performance.now();
const { workflowId } = await new ImportClient({ client: new Client({ connection }), taskQueue: taskQueue!, store: new ImportStore(dir!) }).start('demo-source', csv());
const ms = performance.now() - started;
clearInterval(sample);
await connection.close();
process.stdout.write(JSON.stringify({ ms, peakRss: Math.max(peakRss, process.memoryUsage().rss), workflowId }) + '\n');
