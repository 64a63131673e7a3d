import { createHash, createPrivateKey, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';

/** What signs client assertions for a certificate credential, checked when the provider opens. */
export interface AssertionSigner {
  privateKey: KeyObject;
  /** base64url SHA-1 thumbprint of the certificate, the `x5t` Entra ID looks the key up by. */
  x5t: string;
}

export function assertionSigner(privateKeyPem: string, certificatePem: string): AssertionSigner {
  const privateKey = createPrivateKey(privateKeyPem);
  const certificate = new X509Certificate(certificatePem);
  if (!certificate.checkPrivateKey(privateKey)) throw new Error('the private key does not belong to the certificate');
  return { privateKey, x5t: createHash('sha1').update(certificate.raw).digest('base64url') };
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A client assertion JWT (RS256) for the client-credentials grant: short-lived, unique `jti`,
 * audience the token endpoint, as the Microsoft identity platform requires.
 */
export function clientAssertion(signer: AssertionSigner, clientId: string, tokenUrl: string, now = Date.now()): string {
  const issuedAt = Math.floor(now / 1000);
  const header = base64url({ alg: 'RS256', typ: 'JWT', x5t: signer.x5t });
  const claims = base64url({ aud: tokenUrl, iss: clientId, sub: clientId, jti: randomUUID(), nbf: issuedAt, iat: issuedAt, exp: issuedAt + 600 });
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), signer.privateKey).toString('base64url');
  return `${header}.${claims}.${signature}`;
}
