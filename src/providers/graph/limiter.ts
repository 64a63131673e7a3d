interface Waiter {
  weight: number;
  start: () => void;
}

interface Slots {
  inUse: number;
  queue: Waiter[];
}

/**
 * At most `capacity` units in flight per key (Outlook: 4 concurrent requests per app and
 * mailbox). A `$batch` holds as many units as Outlook runs of it at once. Waiters start in
 * arrival order, so a heavy batch is not starved by single requests.
 */
export class KeyedLimiter {
  private readonly slots = new Map<string, Slots>();

  constructor(readonly capacity: number) {}

  async run<T>(key: string, weight: number, task: () => Promise<T>): Promise<T> {
    const units = Math.min(Math.max(1, weight), this.capacity);
    await this.acquire(key, units);
    try {
      return await task();
    } finally {
      this.release(key, units);
    }
  }

  private acquire(key: string, weight: number): Promise<void> {
    let slots = this.slots.get(key);
    if (!slots) {
      slots = { inUse: 0, queue: [] };
      this.slots.set(key, slots);
    }
    if (slots.queue.length === 0 && slots.inUse + weight <= this.capacity) {
      slots.inUse += weight;
      return Promise.resolve();
    }
    const waiting = slots;
    return new Promise((resolve) => waiting.queue.push({ weight, start: resolve }));
  }

  private release(key: string, weight: number): void {
    const slots = this.slots.get(key)!;
    slots.inUse -= weight;
    while (slots.queue.length > 0 && slots.inUse + slots.queue[0]!.weight <= this.capacity) {
      const next = slots.queue.shift()!;
      slots.inUse += next.weight;
      next.start();
    }
    if (slots.inUse === 0 && slots.queue.length === 0) this.slots.delete(key);
  }
}
