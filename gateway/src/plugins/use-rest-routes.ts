import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { z } from 'zod';
import type { DocumentStore } from '../persisted-documents.ts';
import { documentIdByName } from '../persisted-documents.ts';
import {
  forwardedHeaders,
  restErrorOf,
  restErrorShape,
  restReplies,
  type GraphQLResult,
} from '../rest/rest-support.ts';

const PATH = '/api/v1/predict/flood';

const predictFloodBody = z
  .object({
    zone_id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a zone id: 1–64 letters, digits or _ . : -'),
    timestamp: z.iso.datetime({ offset: true }).optional(),
    features: z.record(z.string().max(64), z.number().finite().nullable()).optional(),
  })
  .strict();

interface FloodPrediction {
  predictionId: string;
  score: number;
  probability: number;
  explain: { feature: string; contribution: number }[];
  model: { name: string; version: string };
}

/**
 * The brief's REST contract, served from a persisted operation so REST and GraphQL cannot drift:
 *
 *   POST /api/v1/predict/flood {"zone_id", "timestamp", "features": {name: value}}
 *   → {"prediction_id", "risk_score", "probability", "explain": [{"feature", "contrib"}], "meta": {"model"}}
 *
 * The body is validated before anything runs; errors are `{"error": {"code", "message"}}` with a
 * 4xx/5xx status. Credentials and the request id pass through to the GraphQL request.
 */
export function useRestRoutes(opts: { documents: DocumentStore; graphqlEndpoint: string }): GatewayPlugin {
  const documentId = documentIdByName(opts.documents, 'PredictFlood');
  if (!documentId) {
    throw new Error('the REST route needs the persisted operation PredictFlood; run npm run codegen');
  }
  return {
    onRequest(payload) {
      const { request, url, fetchAPI } = payload;
      if (url.pathname !== PATH) return;
      const { reply, fail } = restReplies(payload);

      if (request.method !== 'POST') return fail(405, 'METHOD_NOT_ALLOWED', 'Use POST');
      if (!request.headers.get('content-type')?.includes('application/json')) {
        return fail(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send application/json');
      }
      return request
        .text()
        .then(async (text) => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            return fail(400, 'INVALID_JSON', 'The body is not valid JSON');
          }
          const parsed = predictFloodBody.safeParse(json);
          if (!parsed.success) {
            return fail(
              400,
              'BAD_REQUEST',
              'The body does not match {"zone_id", "timestamp", "features"}',
              parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
            );
          }
          const body = parsed.data;
          const res = await fetchAPI.fetch(new URL(opts.graphqlEndpoint, url), {
            method: 'POST',
            headers: forwardedHeaders(request, { 'content-type': 'application/json' }),
            body: JSON.stringify({
              documentId: `sha256:${documentId}`,
              variables: {
                input: {
                  zoneId: body.zone_id,
                  at: body.timestamp,
                  features: Object.entries(body.features ?? {}).map(([name, value]) => ({ name, value })),
                },
              },
            }),
          });
          const result = (await res.json()) as GraphQLResult<{ floodPrediction?: FloodPrediction | null }>;
          const prediction = result.data?.floodPrediction;
          if (!prediction) {
            const error = restErrorOf(result, res.status, 'No prediction');
            return fail(error.status, error.code, error.message);
          }
          return reply(200, {
            prediction_id: prediction.predictionId,
            risk_score: prediction.score,
            probability: prediction.probability,
            explain: prediction.explain.map((c) => ({ feature: c.feature, contrib: c.contribution })),
            meta: { model: `${prediction.model.name}-v${prediction.model.version}` },
          });
        })
        .catch(() => fail(500, 'INTERNAL_SERVER_ERROR', 'The prediction failed'));
    },
    onResponse: restErrorShape(PATH),
  };
}
