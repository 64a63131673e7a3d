import { ERRORS_NS, MESSAGES_NS, SOAP_NS, TYPES_NS, writeXml, type XmlNode } from './xml.js';

/** What an Exchange 2013 CU server says about itself in every response header. */
const SERVER_VERSION_INFO: XmlNode = {
  '@_MajorVersion': '15',
  '@_MinorVersion': '0',
  '@_MajorBuildNumber': '1497',
  '@_MinorBuildNumber': '2',
  '@_Version': 'V2_23',
  '@_xmlns:h': TYPES_NS,
};

export type ResponseClass = 'Success' | 'Warning' | 'Error';

/** Extra `<t:Value Name="...">` pairs of a response message or fault, e.g. BackOffMilliseconds. */
export type MessageXmlValues = Record<string, string>;

export interface ResponseMessage {
  responseClass: ResponseClass;
  responseCode: string;
  messageText?: string;
  messageXml?: MessageXmlValues;
  /** Elements after the header fields, in schema order, with their `m:`/`t:` prefixes. */
  payload?: XmlNode;
}

function messageXml(values: MessageXmlValues): XmlNode {
  return { 't:Value': Object.entries(values).map(([name, value]) => ({ '@_Name': name, '#text': value })) };
}

/** The header fields every response message starts with, in the order messages.xsd requires. */
function responseMessageElement(message: ResponseMessage): XmlNode {
  return {
    '@_ResponseClass': message.responseClass,
    ...(message.messageText === undefined ? {} : { 'm:MessageText': message.messageText }),
    'm:ResponseCode': message.responseCode,
    ...(message.responseClass === 'Success' ? {} : { 'm:DescriptiveLinkKey': '0' }),
    ...(message.messageXml ? { 'm:MessageXml': messageXml(message.messageXml) } : {}),
    ...message.payload,
  };
}

/** `<m:{Op}Response><m:ResponseMessages><m:{Op}ResponseMessage>…` inside a SOAP envelope. */
export function responseEnvelope(operation: string, messages: ResponseMessage[]): string {
  return writeXml({
    's:Envelope': {
      '@_xmlns:s': SOAP_NS,
      's:Header': { 'h:ServerVersionInfo': SERVER_VERSION_INFO },
      's:Body': {
        [`m:${operation}Response`]: {
          '@_xmlns:m': MESSAGES_NS,
          '@_xmlns:t': TYPES_NS,
          'm:ResponseMessages': { [`m:${operation}ResponseMessage`]: messages.map(responseMessageElement) },
        },
      },
    },
  });
}

export interface SoapFault {
  responseCode: string;
  message: string;
  messageXml?: MessageXmlValues;
}

/** A SOAP 1.1 fault the way Exchange writes it: the EWS code in `detail/e:ResponseCode`. */
export function faultEnvelope(fault: SoapFault): string {
  return writeXml({
    's:Envelope': {
      '@_xmlns:s': SOAP_NS,
      's:Body': {
        's:Fault': {
          faultcode: { '@_xmlns:a': TYPES_NS, '#text': `a:${fault.responseCode}` },
          faultstring: { '@_xml:lang': 'en-US', '#text': fault.message },
          detail: {
            'e:ResponseCode': { '@_xmlns:e': ERRORS_NS, '#text': fault.responseCode },
            'e:Message': { '@_xmlns:e': ERRORS_NS, '#text': fault.message },
            ...(fault.messageXml ? { 't:MessageXml': { '@_xmlns:t': TYPES_NS, ...messageXml(fault.messageXml) } } : {}),
          },
        },
      },
    },
  });
}
