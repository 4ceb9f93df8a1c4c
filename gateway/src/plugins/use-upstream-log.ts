import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Logger } from '@graphql-hive/logger';
import { getOperationAST } from 'graphql';
import type { RequestIds } from '../request-ids.ts';

const FAILURE_CODES = new Set(['SUBREQUEST_HTTP_ERROR', 'DOWNSTREAM_SERVICE_ERROR', 'GATEWAY_TIMEOUT']);

interface UpstreamError {
  message: string;
  extensions?: { code?: unknown; response?: { status?: unknown } };
}

const isFailure = (e: unknown): e is UpstreamError => {
  const code = (e as UpstreamError | undefined)?.extensions?.code;
  return typeof code === 'string' && FAILURE_CODES.has(code);
};

/**
 * One log line per subgraph request that failed (unreachable, timed out, or an HTTP error), with
 * the subgraph, the client's operation name, the upstream status and the request id: never the
 * request's body or variables, which hold what citizens wrote. The runtime would otherwise log the
 * whole upstream request once per entity path the failure touches (471 lines for one all-zones
 * query during an outage); mask-error.ts keeps it out of the answer too.
 */
export function useUpstreamLog(opts: { log: Logger; requestIds: RequestIds }): GatewayPlugin {
  return {
    // `executor` is a plain function the runtime hands over (no `this`), typed as a method.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    onSubgraphExecute({ subgraphName, executionRequest, executor, setExecutor }) {
      const context = executionRequest.context as
        { request?: Request; params?: { operationName?: string } } | undefined;
      const report = (failure: UpstreamError) => {
        const status = failure.extensions?.response?.status;
        opts.log.warn(
          {
            requestId: context?.request ? opts.requestIds.of(context.request) : undefined,
            subgraph: subgraphName,
            operationName:
              context?.params?.operationName ??
              getOperationAST(executionRequest.document, executionRequest.operationName)?.name?.value ??
              null,
            code: failure.extensions?.code,
            status: typeof status === 'number' ? status : undefined,
            error: failure.message.slice(0, 200),
          },
          'subgraph request failed',
        );
      };
      // A timeout is thrown by the runtime's own executor wrapper, an unreachable subgraph comes
      // back as a result with errors: watch both, around whatever executor runs.
      setExecutor(async (request) => {
        try {
          const result = await executor(request);
          if (!(Symbol.asyncIterator in result)) {
            const failure = (result.errors as readonly unknown[] | undefined)?.find(isFailure);
            if (failure) report(failure);
          }
          return result;
        } catch (err) {
          if (isFailure(err)) report(err);
          throw err;
        }
      });
    },
  };
}
