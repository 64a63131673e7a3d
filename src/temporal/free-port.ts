import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago: the OS picks one for port 0 and we release it. Another
 * process may take it before the caller binds it, which is rare enough on a loopback address.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port === undefined ? reject(new Error(`no port from ${host}:0`)) : resolve(port)));
    });
  });
}
