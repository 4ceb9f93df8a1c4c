import { Gauge, type Registry } from 'prom-client';

/**
 * Live connections per client address: graphql-ws sockets and SSE streams together, since each holds
 * memory at the gateway and an upstream subscription for as long as it is open. One replica's
 * count; behind a load balancer each replica enforces its own.
 */
export class ConnectionLimits {
  private readonly open = new Map<string, number>();
  private readonly gauge: Gauge;

  constructor(
    private readonly maxPerAddress: number,
    registry: Registry,
  ) {
    this.gauge = new Gauge({
      name: 'live_connections',
      help: 'Open graphql-ws sockets and SSE streams',
      registers: [registry],
    });
  }

  /** Takes a slot for the address; false when it holds the most allowed already. */
  acquire(address: string): boolean {
    const now = this.open.get(address) ?? 0;
    if (now >= this.maxPerAddress) return false;
    this.open.set(address, now + 1);
    this.gauge.inc();
    return true;
  }

  release(address: string): void {
    const now = this.open.get(address) ?? 0;
    if (now <= 1) this.open.delete(address);
    else this.open.set(address, now - 1);
    if (now > 0) this.gauge.dec();
  }
}
