// An EventBridge schedule for the local stack: `rate(N minute|minutes|hour|hours|day|days)` from
// serverless.yml invokes the handler with a Scheduled Event. A tick still running when the next is due is
// not doubled (Lambda could overlap; the poller's shard leases make that harmless there).

export type ScheduledHandler = (
  event: Record<string, unknown>,
  context: { getRemainingTimeInMillis(): number; awsRequestId: string; functionName: string },
) => Promise<unknown>;

const units: Record<string, number> = {
  second: 1_000,
  seconds: 1_000,
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

export function parseRate(expression: string): number {
  const match = /^rate\((\d+)\s+(second|seconds|minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) throw new Error(`schedule ${JSON.stringify(expression)}: the local stack runs rate(N unit) expressions only`);
  return Number(match[1]) * units[match[2]!]!;
}

export class ScheduleSource {
  readonly #intervalMs: number;
  readonly #run: () => Promise<void>;
  #timer: NodeJS.Timeout | undefined;
  #current: Promise<void> | undefined;
  #stopping = false;

  constructor(options: {
    rate: string;
    functionName: string;
    timeoutSeconds: number;
    handler: ScheduledHandler;
    onResult?: (result: unknown, error?: unknown) => void;
  }) {
    this.#intervalMs = parseRate(options.rate);
    this.#run = async () => {
      const deadline = Date.now() + options.timeoutSeconds * 1000;
      const event = {
        version: '0',
        id: crypto.randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        time: new Date().toISOString(),
        resources: [],
        detail: {},
      };
      try {
        // Called first, then reported: `onResult?.(await handler())` would skip the handler without a reporter.
        const result = await options.handler(event, {
          // Stopping: the running invocation sees its time as up and finishes what it has in hand.
          getRemainingTimeInMillis: () => (this.#stopping ? 0 : Math.max(0, deadline - Date.now())),
          awsRequestId: crypto.randomUUID(),
          functionName: options.functionName,
        });
        options.onResult?.(result);
      } catch (error) {
        options.onResult?.(undefined, error);
      }
    };
  }

  start(): void {
    const tick = () => {
      if (!this.#current) this.#current = this.#run().finally(() => (this.#current = undefined));
    };
    tick();
    this.#timer = setInterval(tick, this.#intervalMs);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#timer);
    await this.#current;
  }
}
