import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { Alert, type AlertFormat, type AlertInput } from '../domain/alert.js';

/** A vendor record mapped onto the Alert's fields, not yet validated: any field may be missing. */
export type MappedAlert = { [K in keyof AlertInput]?: unknown };
import type { Issue } from '../domain/issues.js';

/** One alert read out of a request body: normalised, or refused with the paths of its bad fields. */
export type Candidate =
  | { ok: true; alert: Alert; ignoredFields: string[]; raw: unknown }
  | { ok: false; issues: Issue[] };

/** What a format made of a request body: a batch answers per alert, a single alert answers alone. */
export interface ParsedBody {
  batch: boolean;
  candidates: Candidate[];
}

/** A vendor record after its own schema: known fields parsed, unknown ones named. */
export type Tolerated<T> = { ok: true; value: T; ignoredFields: string[] } | { ok: false; issues: Issue[] };

const pathOf = (prefix: string, path: readonly PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.');

/**
 * Parses `input` with a schema whose objects are strict, tolerating fields it does not know:
 * they are dropped and named in `ignoredFields` (so a vendor's new field never blocks a pull,
 * yet nobody wonders why a misspelt one had no effect). Issue paths start with `prefix`.
 */
export function parseTolerant<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): Tolerated<z.output<S>> {
  const ignoredFields: string[] = [];
  let current = input;
  // Zod names unknown keys at every level in one pass; the second pass parses what is left. The
  // bound only guards against a schema that would keep finding new ones.
  for (let round = 0; round < 8; round++) {
    const result = schema.safeParse(current);
    if (result.success) return { ok: true, value: result.data, ignoredFields };
    const unknown = result.error.issues.filter((issue) => issue.code === 'unrecognized_keys');
    const others = result.error.issues.filter((issue) => issue.code !== 'unrecognized_keys');
    if (others.length > 0 || unknown.length === 0) {
      return { ok: false, issues: others.map((issue) => ({ path: pathOf(prefix, issue.path), message: issue.message })) };
    }
    current = structuredClone(current);
    for (const issue of unknown) {
      const holder = issue.path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown>)[key], current) as Record<string, unknown>;
      for (const key of issue.keys) {
        ignoredFields.push(pathOf(prefix, [...issue.path, key]));
        delete holder[key];
      }
    }
  }
  return { ok: false, issues: [{ path: prefix, message: 'too deeply nested unknown fields' }] };
}

/** SHA-256 of the record's JSON: the audit can tie an incident to the exact vendor record. */
export function rawDigest(format: AlertFormat, record: unknown): NonNullable<Alert['raw']> {
  return { format, sha256: createHash('sha256').update(JSON.stringify(record)).digest('hex') };
}

/**
 * Validates a vendor record's mapping against the Alert schema. `fieldPaths` maps Alert fields to
 * the vendor's own paths, so a 400 names the field the vendor sent (`email.header.message-id`),
 * not Clawback's name for it.
 */
export function toCandidate(
  mapped: MappedAlert,
  record: unknown,
  ignoredFields: string[],
  fieldPaths: Partial<Record<keyof AlertInput, string>>,
): Candidate {
  const result = Alert.safeParse(mapped);
  if (result.success) return { ok: true, alert: result.data, ignoredFields, raw: record };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => {
      const [field, ...rest] = issue.path.map(String);
      const vendorPath = fieldPaths[field as keyof AlertInput];
      return { path: vendorPath ? [vendorPath, ...rest].join('.') : issue.path.join('.'), message: issue.message };
    }),
  };
}
