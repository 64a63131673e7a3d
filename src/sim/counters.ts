/** Requests and throttles per operation: what benchmarks and tests read back. */
export class Counters {
  private readonly requests = new Map<string, number>();
  private readonly throttles = new Map<string, number>();

  request(operation: string): void {
    this.requests.set(operation, (this.requests.get(operation) ?? 0) + 1);
  }

  throttle(operation: string): void {
    this.throttles.set(operation, (this.throttles.get(operation) ?? 0) + 1);
  }

  reset(): void {
    this.requests.clear();
    this.throttles.clear();
  }

  snapshot(): { requests: Record<string, number>; throttles: Record<string, number>; totalRequests: number; totalThrottles: number } {
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    return {
      requests: Object.fromEntries(this.requests),
      throttles: Object.fromEntries(this.throttles),
      totalRequests: sum(this.requests),
      totalThrottles: sum(this.throttles),
    };
  }
}
