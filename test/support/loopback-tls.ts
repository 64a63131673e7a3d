import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTlsMaterial, type TlsMaterial } from '../../src/sim/tls.js';

/** A throwaway CA and loopback certificate for test receivers, the CA also as a file for `caFile` settings. */
export async function loopbackTls(): Promise<{ tls: TlsMaterial; caFile: string }> {
  const tls = await generateTlsMaterial();
  const caFile = join(mkdtempSync(join(tmpdir(), 'clawback-tls-')), 'ca.pem');
  writeFileSync(caFile, tls.caCert);
  return { tls, caFile };
}
