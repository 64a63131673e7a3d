import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import type { IncidentMemory } from './incident-state.js';
import type { DispatchMemory } from './notifications.js';

/** Where the hold-open phase stood: absolute times, so the next run keeps the same deadlines. */
export interface OpenWindow {
  openUntil: number;
  watchUntil: number;
  nextSweep: number;
  sweepEveryMs: number;
}

/** What one run of an incident hands the next when its history grows long (continue-as-new). */
export interface CarriedIncident {
  incident: IncidentMemory;
  notifications: DispatchMemory;
  window: OpenWindow;
}

/**
 * The carried incident as the next run's second argument: JSON, deflated. A 10,000-mailbox
 * incident is megabytes of repetitive JSON, and a workflow argument must stay under Temporal's
 * 2 MB payload limit; fflate is pure JavaScript, so it runs in the workflow sandbox.
 */
export function packIncident(carried: CarriedIncident): Uint8Array {
  return deflateSync(strToU8(JSON.stringify(carried)));
}

export function unpackIncident(packed: Uint8Array): CarriedIncident {
  return JSON.parse(strFromU8(inflateSync(packed))) as CarriedIncident;
}
