import { pino } from 'pino';

/** One JSON line per event. Incident-scoped code logs through `incidentLog(id)`. */
export const log = pino({
  base: { service: 'clawback' },
  level: process.env.LOG_LEVEL ?? 'info',
  redact: { paths: ['*.authorization', '*.key', '*.password', '*.secret', '*.token', '*.routeId'], censor: '[redacted]' },
});

export type Logger = typeof log;

export function incidentLog(incidentId: string): Logger {
  return log.child({ incidentId });
}
