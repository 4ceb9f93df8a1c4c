import type { ApolloServerPlugin } from '@apollo/server';
import { responsePathAsArray, type GraphQLFormattedError, type GraphQLResolveInfo } from 'graphql';
import type { PredictionsContext } from '../context.ts';
import type { FloodRisk } from '../flood/flood-risk.type.ts';

/** A field answered from a fallback, to be reported beside the data. */
export interface DegradedAnswer {
  path: readonly (string | number)[];
  message: string;
  extensions: Record<string, unknown>;
}

/**
 * GraphQL lets a field either answer or fail. A fallback does both: the data is there (marked
 * `degraded: true`) and the caller must also hear why, so each degraded field adds a
 * PREDICTION_DEGRADED entry to `errors` with the field's path. The gateway carries it through like
 * any subgraph error.
 */
export function useDegradedAnswers(): ApolloServerPlugin<PredictionsContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        willSendResponse({ contextValue, response }) {
          const notes = contextValue.degraded;
          if (!notes.length || response.body.kind !== 'single') return Promise.resolve();
          const entries: GraphQLFormattedError[] = notes.map((n) => ({
            message: n.message,
            path: [...n.path],
            extensions: { code: 'PREDICTION_DEGRADED', ...n.extensions },
          }));
          const result = response.body.singleResult;
          result.errors = [...(result.errors ?? []), ...entries];
          return Promise.resolve();
        },
      });
    },
  };
}

/** Passes a risk through, noting it for the response's `errors` when it is a fallback. */
export function noteIfDegraded(
  ctx: PredictionsContext,
  info: GraphQLResolveInfo,
  risk: FloodRisk,
): FloodRisk {
  if (risk.degraded && risk.fallback) {
    ctx.degraded.push({
      path: responsePathAsArray(info.path),
      message: `flood risk of zone ${risk.zoneId} is a fallback (${risk.fallback.source}): ${risk.fallback.reason}`,
      extensions: { zoneId: risk.zoneId, fallback: risk.fallback.source, model: risk.model },
    });
  }
  return risk;
}
