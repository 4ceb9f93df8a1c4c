import { z } from 'zod';
import type { GatewayErrorCode } from '../errors.ts';

/** A REST request refused before any GraphQL runs: `{"error": {"code", "message", "details"?}}`. */
export interface RestFailure {
  code: GatewayErrorCode;
  message: string;
  details?: unknown;
  headers?: Record<string, string>;
}

/** The GraphQL request a REST request becomes: a persisted operation's variables, as JSON or multipart. */
export type GraphQLBody =
  | { kind: 'json'; variables: Record<string, unknown> }
  | {
      kind: 'multipart';
      variables: Record<string, unknown>;
      file: { variable: string; blob: Blob; name: string };
    };

export interface RestRoute {
  path: string;
  /** The persisted operation that answers it (schema/operations/rest/). */
  operation: string;
  /** What the body must be; anything else is 415. */
  contentType: 'application/json' | 'multipart/form-data';
  /** Reads and checks the body; a failure is answered with its code's status. */
  read(request: Request, limits: { maxUploadBytes: number }): Promise<GraphQLBody | RestFailure>;
  /** The operation's data in the brief's shape; undefined when the data holds no answer. */
  answer(data: Record<string, unknown> | null | undefined): unknown;
}

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

interface ImageClassification {
  label: string;
  confidence: number;
  suggestedPriority: string;
}

/** Text fields besides `file` a form may carry (a browser form adds a few); each at most 1 KiB. */
const MAX_TEXT_FIELDS = 8;
const MAX_TEXT_FIELD_BYTES = 1024;
/** The messages @whatwg-node's multipart parser (busboy) fails with when a limit is hit. */
const TOO_MANY_FILES = /^Files limit exceeded/;
const FILE_TOO_LARGE = /^File size limit exceeded/;

/** @whatwg-node's Request parses a form under busboy's limits when given them. */
interface LimitedFormData {
  formData(opts: {
    formDataLimits: { files: number; fileSize: number; fields: number; fieldSize: number };
  }): Promise<FormData>;
}

/**
 * The brief's REST contracts, each a thin adapter over one persisted operation, so REST and GraphQL
 * cannot drift:
 *
 *   POST /api/v1/predict/flood {"zone_id", "timestamp", "features": {name: value}}
 *     → {"prediction_id", "risk_score", "probability", "explain": [{"feature", "contrib"}], "meta": {"model"}}
 *   POST /api/v1/classify/report-image (multipart/form-data, the image in the field `file`)
 *     → {"label", "confidence", "suggested_priority"}
 */
export const REST_ROUTES: readonly RestRoute[] = [
  {
    path: '/api/v1/predict/flood',
    operation: 'PredictFlood',
    contentType: 'application/json',
    async read(request) {
      const text = await request.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return { code: 'INVALID_JSON', message: 'The body is not valid JSON' };
      }
      const parsed = predictFloodBody.safeParse(json);
      if (!parsed.success) {
        return {
          code: 'BAD_REQUEST',
          message: 'The body does not match {"zone_id", "timestamp", "features"}',
          details: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
        };
      }
      const body = parsed.data;
      return {
        kind: 'json',
        variables: {
          input: {
            zoneId: body.zone_id,
            at: body.timestamp,
            features: Object.entries(body.features ?? {}).map(([name, value]) => ({ name, value })),
          },
        },
      };
    },
    answer(data) {
      const prediction = data?.['floodPrediction'] as FloodPrediction | null | undefined;
      if (!prediction) return undefined;
      return {
        prediction_id: prediction.predictionId,
        risk_score: prediction.score,
        probability: prediction.probability,
        explain: prediction.explain.map((c) => ({ feature: c.feature, contrib: c.contribution })),
        meta: { model: `${prediction.model.name}-v${prediction.model.version}` },
      };
    },
  },
  {
    path: '/api/v1/classify/report-image',
    operation: 'ClassifyReportImage',
    contentType: 'multipart/form-data',
    async read(request, limits) {
      // useLimits has refused a declared length over the limit already; a body of unknown length
      // (chunked) would be read unbounded.
      if (request.headers.get('content-length') === null) {
        return { code: 'LENGTH_REQUIRED', message: 'Send a Content-Length' };
      }
      let form: FormData;
      try {
        form = await (request as unknown as LimitedFormData).formData({
          formDataLimits: {
            files: 1,
            fileSize: limits.maxUploadBytes,
            fields: MAX_TEXT_FIELDS,
            fieldSize: MAX_TEXT_FIELD_BYTES,
          },
        });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (TOO_MANY_FILES.test(message)) {
          return { code: 'TOO_MANY_FILES', message: 'Send one file, in the field "file"' };
        }
        if (FILE_TOO_LARGE.test(message)) {
          return { code: 'UPLOAD_TOO_LARGE', message: `An image is at most ${limits.maxUploadBytes} bytes` };
        }
        return { code: 'BAD_REQUEST', message: 'The body is not a valid multipart/form-data form' };
      }
      const files = [...form.values()].filter((v) => typeof v !== 'string');
      if (files.length > 1) return { code: 'TOO_MANY_FILES', message: 'Send one file, in the field "file"' };
      const file = form.get('file');
      if (file === null || typeof file === 'string') {
        return { code: 'BAD_REQUEST', message: 'Send the image as a file in the multipart field "file"' };
      }
      return {
        kind: 'multipart',
        variables: { photo: null },
        file: { variable: 'photo', blob: file, name: file.name || 'image' },
      };
    },
    answer(data) {
      const classification = data?.['classifyReportImage'] as ImageClassification | null | undefined;
      if (!classification) return undefined;
      return {
        label: classification.label,
        confidence: classification.confidence,
        suggested_priority: classification.suggestedPriority.toLowerCase(),
      };
    },
  },
];
