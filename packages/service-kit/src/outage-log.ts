/** What an outage is logged through: pino's and Hive's loggers both fit. */
export interface OutageLogger {
  warn(attrs: object, msg?: string): void;
  info(attrs: object, msg?: string): void;
}

/**
 * Logs a dependency outage once per burst instead of once per request: the first failure of a
 * burst is one warn line (with the driver's error); the ones after it are counted; once no failure
 * has come for `quietMs`, one info line says how long the burst lasted and how many requests it
 * answered with SERVICE_UNAVAILABLE. A failure after that starts a new burst (and a new warn).
 */
export class OutageLog {
  readonly #bursts = new Map<string, { since: number; last: number; count: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly logger: OutageLogger,
    private readonly quietMs = 10_000,
  ) {}

  record(dependency: string, err: unknown): void {
    const now = Date.now();
    const burst = this.#bursts.get(dependency);
    if (burst) {
      burst.count++;
      burst.last = now;
      burst.timer.refresh();
      return;
    }
    this.logger.warn(
      { dependency, err },
      `${dependency} unavailable: answering SERVICE_UNAVAILABLE (retryable) until it is back`,
    );
    const timer = setTimeout(() => this.#end(dependency), this.quietMs);
    timer.unref();
    this.#bursts.set(dependency, { since: now, last: now, count: 1, timer });
  }

  /** Whether a burst of this dependency is going on (a failure within the last `quietMs`). */
  active(dependency: string): boolean {
    return this.#bursts.has(dependency);
  }

  #end(dependency: string): void {
    const burst = this.#bursts.get(dependency);
    if (!burst) return;
    this.#bursts.delete(dependency);
    this.logger.info(
      { dependency, failures: burst.count, durationMs: burst.last - burst.since },
      `${dependency} outage burst over: no failure for ${this.quietMs} ms`,
    );
  }

  /** Ends every burst now (logging each), e.g. when the service stops. */
  flush(): void {
    for (const [dependency, burst] of this.#bursts) {
      clearTimeout(burst.timer);
      this.#end(dependency);
    }
  }
}
