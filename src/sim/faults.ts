import { z } from 'zod';

/** Operation names are `<face>.<operation>`, e.g. `graph.messages.list`; a rule may end in `*`. */
const OperationPattern = z.string().min(1);

export const LatencyRule = z
  .object({ operation: OperationPattern, minMs: z.number().min(0), maxMs: z.number().min(0) })
  .strict()
  .refine((r) => r.maxMs >= r.minMs, 'maxMs must be at least minMs');

export const FaultRule = z
  .object({
    operation: OperationPattern,
    /** throttle: the face's own throttling answer; status: an HTTP error; reset: the socket is destroyed; timeout: no answer. */
    kind: z.enum(['throttle', 'status', 'reset', 'timeout']),
    status: z.number().int().min(400).max(599).default(503),
    retryAfterMs: z.number().int().min(0).default(1000),
    /** Probability per matching request. */
    rate: z.number().min(0).max(1).default(1),
    /** How many times the rule fires before it is spent (1 = one-shot); absent = unlimited. */
    times: z.number().int().min(1).optional(),
  })
  .strict();

export const FaultPlan = z
  .object({
    latency: z.array(LatencyRule).default([]),
    faults: z.array(FaultRule).default([]),
    /** Seed for the rate draws and latency, so a run can be repeated. */
    seed: z.number().int().default(1),
  })
  .strict();
export type FaultPlan = z.infer<typeof FaultPlan>;
export type FaultPlanInput = z.input<typeof FaultPlan>;

export type FaultOutcome =
  | { kind: 'throttle'; retryAfterMs: number }
  | { kind: 'status'; status: number }
  | { kind: 'reset' }
  | { kind: 'timeout' };

function matches(pattern: string, operation: string): boolean {
  return pattern.endsWith('*') ? operation.startsWith(pattern.slice(0, -1)) : pattern === operation;
}

/** mulberry32: small, fast, seedable; fault draws must be repeatable, not secure. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latency and injected failures, decided per request before a face does any work. */
export class Faults {
  private plan: FaultPlan = FaultPlan.parse({});
  private spent = new Map<number, number>();
  private random = seededRandom(1);

  constructor(plan: FaultPlanInput = {}) {
    this.set(plan);
  }

  set(plan: FaultPlanInput): void {
    this.plan = FaultPlan.parse(plan);
    this.spent = new Map();
    this.random = seededRandom(this.plan.seed);
  }

  get current(): FaultPlan {
    return this.plan;
  }

  /** Waits the operation's latency, then says which fault (if any) this request meets. */
  async enter(operation: string): Promise<FaultOutcome | undefined> {
    const latency = this.plan.latency.find((rule) => matches(rule.operation, operation));
    if (latency) {
      const ms = latency.minMs + this.random() * (latency.maxMs - latency.minMs);
      if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    }
    for (const [index, rule] of this.plan.faults.entries()) {
      if (!matches(rule.operation, operation)) continue;
      const used = this.spent.get(index) ?? 0;
      if (rule.times !== undefined && used >= rule.times) continue;
      if (this.random() >= rule.rate) continue;
      this.spent.set(index, used + 1);
      switch (rule.kind) {
        case 'throttle':
          return { kind: 'throttle', retryAfterMs: rule.retryAfterMs };
        case 'status':
          return { kind: 'status', status: rule.status };
        default:
          return { kind: rule.kind };
      }
    }
    return undefined;
  }
}
