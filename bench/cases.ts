/** One row of `bench/results/latest.json`; fields a case does not measure are null. */
export interface BenchCase {
  name: string;
  provider: string;
  mailboxes: number;
  wallMs: number;
  /** The least time the work could take given the simulated latency; null where it is zero. */
  floorMs: number | null;
  ratio: number | null;
  requests: number | null;
  throttles: number | null;
  historyEvents: number | null;
  requestsPerSec?: number;
  /** Campaigns: alert to the first copy in quarantine, and copies pulled in all. */
  firstPulledMs?: number;
  copiesPulled?: number;
  peakRssMb?: number;
  /** Ingest cases: CSV rows parsed, spooled and handed to incidents per second. */
  rowsPerSec?: number;
  /** Ingest: alerts accepted per second through the API. */
  alertsPerSec?: number;
}

/** A provider pull case: wall time against the floor its limits allow, and the simulator's counters. */
export function pullCase(provider: string, mailboxes: number, wallMs: number, floorMs: number, counters: { totalRequests: number; totalThrottles: number }): BenchCase {
  return {
    name: `${provider}-pull-${mailboxes}`,
    provider,
    mailboxes,
    wallMs: Math.round(wallMs),
    floorMs,
    ratio: Math.round((wallMs / floorMs) * 100) / 100,
    requests: counters.totalRequests,
    throttles: counters.totalThrottles,
    historyEvents: null,
  };
}
