import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TlsMaterial } from '../../src/sim/tls.js';
import { verifySignature } from '../../src/notify/signature.js';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The Clawback-Signature header verified against the secret. */
  signed: boolean;
  status: number;
}

/**
 * An HTTPS receiver on loopback that checks every request's signature and answers with
 * `answer(request, n)` (n counts the requests to that path, from 0).
 */
export async function startWebhookReceiver({ tls, secret, answer = () => 200 }: { tls: TlsMaterial; secret: string; answer?: (path: string, n: number) => number }) {
  const requests: ReceivedRequest[] = [];
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const status = answer(path, requests.filter((r) => r.path === path).length);
      requests.push({ path, headers: req.headers, body, signed: verifySignature(secret, body, req.headers['clawback-signature'] as string | undefined), status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(status < 300 ? '{"ok":true}' : '{"error":"unavailable"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    /** The requests to `path` accepted (2xx), bodies parsed. */
    accepted(path: string): { headers: IncomingHttpHeaders; body: any }[] {
      return requests.filter((r) => r.path === path && r.status < 300).map((r) => ({ headers: r.headers, body: JSON.parse(r.body) }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
