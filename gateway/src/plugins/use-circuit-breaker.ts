import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Logger } from '@graphql-hive/logger';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { getOperationAST, GraphQLError, OperationTypeNode, type ExecutionResult } from 'graphql';
import { Gauge, type Registry } from 'prom-client';
import type { GatewayErrorCode } from '../errors.ts';

export interface CircuitBreakerOptions {
  /** Consecutive failed requests (unreachable, timed out, 5xx) that open a subgraph's circuit. */
  failures: number;
  /** How long an open circuit fails fast before one probe request is let through (half-open). */
  openMs: number;
  registry: Registry;
  log: Logger;
}

const FAILURE_CODES = new Set(['SUBREQUEST_HTTP_ERROR', 'DOWNSTREAM_SERVICE_ERROR', 'GATEWAY_TIMEOUT']);
const codeOf = (e: unknown) => (e as { extensions?: { code?: unknown } } | undefined)?.extensions?.code;
const isFailure = (e: unknown) => {
  const code = codeOf(e);
  return typeof code === 'string' && FAILURE_CODES.has(code);
};

/** Thrown inside the policy when a subgraph answered, but with a failure: the breaker counts it. */
class FailedResult extends Error {
  constructor(readonly result: unknown) {
    super('subgraph request failed');
  }
}

const STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

/**
 * A circuit breaker per subgraph (cockatiel): after `failures` consecutive failed requests the
 * subgraph's circuit opens, and for `openMs` its fields fail at once with SUBGRAPH_UNAVAILABLE
 * (`reason: circuit_open`) instead of each request waiting out the upstream timeout; then one
 * request probes it (half-open) and its answer closes or reopens the circuit. A hung subgraph so
 * costs one timeout, not one per request. Subscriptions are left alone: they are meant to stay
 * open. The state of each circuit is `circuit_state{subgraph}` (0 closed, 1 half-open, 2 open).
 */
export function useCircuitBreaker(opts: CircuitBreakerOptions): GatewayPlugin {
  const gauge = new Gauge({
    name: 'circuit_state',
    help: "State of each subgraph's circuit breaker: 0 closed, 1 half-open, 2 open",
    labelNames: ['subgraph'],
    registers: [opts.registry],
  });
  const breakers = new Map<string, CircuitBreakerPolicy>();
  const breakerOf = (subgraph: string) => {
    let breaker = breakers.get(subgraph);
    if (!breaker) {
      breaker = circuitBreaker(
        handleWhen((err) => err instanceof FailedResult || isFailure(err)),
        { halfOpenAfter: opts.openMs, breaker: new ConsecutiveBreaker(opts.failures) },
      );
      gauge.set({ subgraph }, 0);
      breaker.onStateChange((state) => {
        gauge.set({ subgraph }, STATE_VALUE[state]);
        const attrs = { subgraph, state: CircuitState[state].toLowerCase() };
        if (state === CircuitState.Open) opts.log.warn(attrs, 'circuit opened: the subgraph fails fast');
        else opts.log.info(attrs, 'circuit state changed');
      });
      breakers.set(subgraph, breaker);
    }
    return breaker;
  };
  return {
    // `executor` is a plain function the runtime hands over (no `this`), typed as a method.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    onSubgraphExecute({ subgraphName, executionRequest, executor, setExecutor }) {
      const operation = getOperationAST(executionRequest.document, executionRequest.operationName);
      if (operation?.operation === OperationTypeNode.SUBSCRIPTION) return;
      const breaker = breakerOf(subgraphName);
      setExecutor((async (request: Parameters<typeof executor>[0]) => {
        try {
          return await breaker.execute(async () => {
            const result = await executor(request);
            if (!(Symbol.asyncIterator in result) && result.errors?.some(isFailure)) {
              throw new FailedResult(result);
            }
            return result;
          });
        } catch (err) {
          if (err instanceof FailedResult) return err.result;
          if (err instanceof BrokenCircuitError) {
            return {
              errors: [
                new GraphQLError(
                  `The ${subgraphName} subgraph is unavailable; the fields it serves are null.`,
                  {
                    extensions: {
                      code: 'SUBGRAPH_UNAVAILABLE' satisfies GatewayErrorCode,
                      serviceName: subgraphName,
                      reason: 'circuit_open',
                    },
                  },
                ),
              ],
            } satisfies ExecutionResult;
          }
          throw err;
        }
      }) as typeof executor);
    },
  };
}
