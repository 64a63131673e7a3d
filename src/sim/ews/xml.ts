import { XMLBuilder, XMLParser } from 'fast-xml-parser';

export const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const MESSAGES_NS = 'http://schemas.microsoft.com/exchange/services/2006/messages';
export const TYPES_NS = 'http://schemas.microsoft.com/exchange/services/2006/types';
export const ERRORS_NS = 'http://schemas.microsoft.com/exchange/services/2006/errors';

/** A parsed element: child elements by local name, attributes under `@_`, text under `#text`. */
export type XmlNode = { [key: string]: unknown };

/**
 * Where an element with attributes stood in the document. Children are grouped by name once
 * parsed, but a list such as ParentFolderIds mixes FolderId and DistinguishedFolderId and its
 * answers must keep the request's order. `#` cannot start an XML attribute name, so no clash.
 */
const DOCUMENT_ORDER = '@_#order';

/**
 * Clients choose their own prefixes (soap/s, m, t), so requests are read by local name only.
 * Values stay strings: an ItemId or a Message-ID must never turn into a number.
 */
function requestParser(): XMLParser {
  let position = 0;
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    updateTag: (tagName, _jPath, attributes) => {
      if (Object.keys(attributes).length > 0) attributes[DOCUMENT_ORDER] = String(position++);
      return tagName;
    },
  });
}

export function parseXml(text: string): XmlNode {
  return requestParser().parse(text) as XmlNode;
}

/** Elements of several names in the order the request wrote them. */
export function inDocumentOrder(nodes: XmlNode[]): XmlNode[] {
  return [...nodes].sort((a, b) => Number(a[DOCUMENT_ORDER] ?? 0) - Number(b[DOCUMENT_ORDER] ?? 0));
}

/** The element(s) under `key`, always as a list (one child parses as an object, several as an array). */
export function children(node: unknown, key: string): XmlNode[] {
  if (node === null || typeof node !== 'object') return [];
  const value = (node as XmlNode)[key];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((item) => (typeof item === 'object' && item !== null ? (item as XmlNode) : { '#text': String(item) }));
}

export function child(node: unknown, key: string): XmlNode | undefined {
  return children(node, key)[0];
}

export function attribute(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[`@_${name}`];
  return value === undefined ? undefined : String(value);
}

export function text(node: XmlNode | undefined): string | undefined {
  const value = node?.['#text'];
  return value === undefined ? undefined : String(value);
}

/** Element text of a child that may be written as a bare value (`<a>x</a>` parses to `'x'`). */
export function childText(node: unknown, key: string): string | undefined {
  return text(child(node, key));
}

const responseBuilder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
});

/** Writes an element tree (keys in schema order; arrays for repeated elements) after an XML declaration. */
export function writeXml(document: XmlNode): string {
  return `<?xml version="1.0" encoding="utf-8"?>${responseBuilder.build(document) as string}`;
}
