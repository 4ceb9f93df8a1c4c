import type { ApolloServerPlugin } from '@apollo/server';
import { responsePathAsArray, type GraphQLFormattedError, type GraphQLResolveInfo } from 'graphql';
import type { PredictionsContext } from '../context.ts';

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

/** What a model's field answered, as far as a note about a fallback needs it. */
export interface ZoneAnswer {
  zoneId: string;
  model: { name: string; version: string };
  fallback?: { reason: string; source: string } | undefined;
}

/**
 * Passes a zone's answer through, noting it for the response's `errors` when it is a fallback.
 * `what` names it in the message ("flood risk", "energy demand forecast").
 */
export function noteIfDegraded<T extends ZoneAnswer>(
  ctx: PredictionsContext,
  info: GraphQLResolveInfo,
  answer: T,
  what: string,
): T {
  if (answer.fallback) {
    ctx.degraded.push({
      path: responsePathAsArray(info.path),
      message: `${what} of zone ${answer.zoneId} is a fallback (${answer.fallback.source}): ${answer.fallback.reason}`,
      extensions: { zoneId: answer.zoneId, fallback: answer.fallback.source, model: answer.model },
    });
  }
  return answer;
}
