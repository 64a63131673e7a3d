import { generate } from 'selfsigned';

export interface TlsMaterial {
  /** PEM of the CA that signed the server certificate: what clients must trust. */
  caCert: string;
  cert: string;
  key: string;
}

/**
 * A throwaway CA and a server certificate for 127.0.0.1/localhost, made in-process (no openssl
 * binary). Graph's client drops the Authorization header over plain http, so the simulated
 * tenant must speak TLS like the real services.
 */
export async function generateTlsMaterial(): Promise<TlsMaterial> {
  const ca = await generate([{ name: 'commonName', value: 'Clawback simulated tenant CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { caCert: ca.cert, cert: server.cert, key: server.private };
}
