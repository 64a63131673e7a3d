import { EwsFault } from './errors.js';
import { child, childText, parseXml, type XmlNode } from './xml.js';

export interface EwsRequest {
  /** The local name of the SOAP Body's child, e.g. `FindItem`. */
  operation: string;
  body: XmlNode;
  /** `ExchangeImpersonation/ConnectingSID/SmtpAddress`, when the caller impersonates a user. */
  impersonatedAddress?: string;
}

/** Reads a SOAP 1.1 request; anything that is not one is ErrorInvalidRequest. */
export function parseEnvelope(text: string): EwsRequest {
  let document: XmlNode;
  try {
    document = parseXml(text);
  } catch {
    throw new EwsFault('ErrorInvalidRequest', 'The request is not well-formed XML.');
  }
  const envelope = child(document, 'Envelope');
  const soapBody = child(envelope, 'Body');
  const operation = soapBody && Object.keys(soapBody).find((key) => !key.startsWith('@_') && key !== '#text');
  if (!soapBody || !operation) throw new EwsFault('ErrorInvalidRequest', 'The request has no SOAP Body operation.');
  const impersonatedAddress = childText(child(child(child(envelope, 'Header'), 'ExchangeImpersonation'), 'ConnectingSID'), 'SmtpAddress');
  return { operation, body: child(soapBody, operation) ?? {}, ...(impersonatedAddress ? { impersonatedAddress } : {}) };
}
