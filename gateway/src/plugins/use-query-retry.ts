import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { ConstantBackoff, handleWhenResult, retry } from 'cockatiel';
import { getOperationAST, OperationTypeNode } from 'graphql';

interface UpstreamResult {
  errors?: readonly { message: string; extensions?: { code?: unknown } }[];
}

/** No answer at all from the subgraph: the connection was refused, reset or failed to open. */
export function isConnectionFailure(result: unknown): boolean {
  const errors = (result as UpstreamResult | undefined)?.errors;
  return (
    errors?.some(
      (e) =>
        e.extensions?.code === 'SUBREQUEST_HTTP_ERROR' &&
        /ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|fetch failed/i.test(e.message),
    ) ?? false
  );
}

/**
 * A query whose subgraph could not be reached at all (the connection was refused or reset: a
 * replica restarting, a pod being replaced) is sent again, `retries` times at most, 50 ms apart,
 * since repeating a query is safe (cockatiel's retry policy). A mutation never is: it may have been
 * applied before the connection broke. Neither is a timeout (the subgraph may still be working on
 * it, and a retry would double the wait) nor an error the subgraph answered with. The runtime's own
 * upstreamRetry retries every thrown error, timeouts included, whatever its shouldRetry says.
 */
export function useQueryRetry(opts: { retries: number }): GatewayPlugin {
  const policy = retry(handleWhenResult(isConnectionFailure), {
    maxAttempts: opts.retries,
    backoff: new ConstantBackoff(50),
  });
  return {
    // `executor` is a plain function the runtime hands over (no `this`), typed as a method.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    onSubgraphExecute({ executionRequest, executor, setExecutor }) {
      if (opts.retries <= 0) return;
      const operation = getOperationAST(executionRequest.document, executionRequest.operationName);
      if (operation?.operation !== OperationTypeNode.QUERY) return;
      setExecutor(((request: Parameters<typeof executor>[0]) =>
        policy.execute(() => executor(request))) as typeof executor);
    },
  };
}
