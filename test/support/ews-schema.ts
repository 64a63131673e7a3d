import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** Microsoft's EWS schema, kept beside the project and never copied into it. */
export const EWS_SCHEMA_DIR = resolve(import.meta.dirname, '../../../shared/schemas/ews');

/** Why schema validation cannot run here, or undefined when it can. */
export function schemaValidationUnavailable(): string | undefined {
  if (!existsSync(join(EWS_SCHEMA_DIR, 'messages.xsd'))) return `EWS schema folder ${EWS_SCHEMA_DIR} is absent`;
  if (spawnSync('xmllint', ['--version']).error) return 'xmllint is not installed (Debian package libxml2-utils)';
  return undefined;
}

/** Just the attributes types.xsd takes from the XML namespace, so no network fetch is needed. */
const XML_NAMESPACE_SCHEMA = `<?xml version="1.0" encoding="utf-8"?>
<xs:schema targetNamespace="http://www.w3.org/XML/1998/namespace" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:attribute name="lang" type="xs:string"/>
  <xs:attribute name="space" type="xs:NCName"/>
  <xs:attribute name="base" type="xs:anyURI"/>
  <xs:attribute name="id" type="xs:ID"/>
</xs:schema>
`;

/**
 * ArrayOfTransitionsType lists the Transition substitution group's members beside its head, which
 * libxml2 rejects as non-deterministic; the head alone admits the same elements.
 */
const TRANSITIONS_SEQUENCE = /(<xs:complexType name="ArrayOfTransitionsType">\s*)<xs:sequence>[\s\S]*?<\/xs:sequence>/;
const TRANSITIONS_RELAXED = '$1<xs:sequence><xs:element ref="t:Transition" minOccurs="0" maxOccurs="unbounded" /></xs:sequence>';

/**
 * A temporary copy of the schema xmllint can load: types.xsd loses its byte-order mark, its
 * import of the XML namespace gets a local schemaLocation, and one calendar type is relaxed.
 */
export function prepareSchemaCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ews-schema-'));
  writeFileSync(join(dir, 'messages.xsd'), readFileSync(join(EWS_SCHEMA_DIR, 'messages.xsd')));
  const types = readFileSync(join(EWS_SCHEMA_DIR, 'types.xsd'), 'utf8')
    .replace(/^\uFEFF/, '')
    .replace('<xs:import namespace="http://www.w3.org/XML/1998/namespace"/>', '<xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="xml.xsd"/>')
    .replace(TRANSITIONS_SEQUENCE, TRANSITIONS_RELAXED);
  writeFileSync(join(dir, 'types.xsd'), types);
  writeFileSync(join(dir, 'xml.xsd'), XML_NAMESPACE_SCHEMA);
  return dir;
}

type OrderedNode = Record<string, unknown>;

const orderedParser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, parseTagValue: false, trimValues: false });
const orderedBuilder = new XMLBuilder({ preserveOrder: true, ignoreAttributes: false, suppressEmptyNode: true });

function elementName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && key !== '#text' && !key.startsWith('?'));
}

/** The SOAP Body's child element of a response, as its own document; it declares its namespaces itself. */
export function soapBodyChild(envelopeXml: string): string {
  const documentNodes = orderedParser.parse(envelopeXml) as OrderedNode[];
  const envelope = documentNodes.find((node) => elementName(node)?.endsWith('Envelope'))!;
  const envelopeChildren = envelope[elementName(envelope)!] as OrderedNode[];
  const body = envelopeChildren.find((node) => elementName(node)?.endsWith(':Body'))!;
  const bodyChild = (body[elementName(body)!] as OrderedNode[]).find((node) => elementName(node) !== undefined)!;
  return orderedBuilder.build([bodyChild]) as string;
}

/** Runs xmllint against messages.xsd; returns its complaints, or undefined when the element is valid. */
export function schemaErrors(schemaDir: string, elementXml: string): string | undefined {
  const file = join(schemaDir, `body-${Date.now()}-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, elementXml);
  try {
    execFileSync('xmllint', ['--noout', '--schema', join(schemaDir, 'messages.xsd'), file], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error);
  }
}

/**
 * Checks response envelopes against messages.xsd with one schema copy per suite: `check` returns
 * each invalid body's complaints (none when all are valid); `dispose` removes the copy.
 */
export function responseSchemaChecker(): { check(envelopes: string[]): string[]; dispose(): void } {
  const unavailable = schemaValidationUnavailable();
  if (unavailable) throw new Error(`EWS responses cannot be schema-validated: ${unavailable}`);
  const schemaDir = prepareSchemaCopy();
  return {
    check: (envelopes) => envelopes.map(soapBodyChild).flatMap((body) => {
      const errors = schemaErrors(schemaDir, body);
      return errors === undefined ? [] : [`${errors}\n${body.slice(0, 2000)}`];
    }),
    dispose: () => rmSync(schemaDir, { recursive: true, force: true }),
  };
}
