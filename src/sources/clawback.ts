import { Alert } from '../domain/alert.js';
import { parseTolerant, type Candidate, type ParsedBody } from './candidate.js';

/** Clawback's own alert JSON: one alert, or an array of them answered one by one. */
export function parseClawbackBody(body: unknown): ParsedBody {
  const records = Array.isArray(body) ? body : [body];
  return {
    batch: Array.isArray(body),
    candidates: records.map((record, index): Candidate => {
      const parsed = parseTolerant(Alert, record, Array.isArray(body) ? String(index) : '');
      return parsed.ok ? { ok: true, alert: parsed.value, ignoredFields: parsed.ignoredFields, raw: record } : parsed;
    }),
  };
}
