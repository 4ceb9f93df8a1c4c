import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { DocumentStore } from '../persisted-documents.ts';
import { documentIdByName } from '../persisted-documents.ts';
import {
  forwardedHeaders,
  restErrorOf,
  restErrorShape,
  restReplies,
  type GraphQLResult,
} from '../rest/rest-support.ts';

const PATH = '/api/v1/classify/report-image';

/** Text fields besides `file` a form may carry (a browser form adds a few); each at most 1 KiB. */
const MAX_TEXT_FIELDS = 8;
const MAX_TEXT_FIELD_BYTES = 1024;

export interface ClassifyRouteOptions {
  documents: DocumentStore;
  graphqlEndpoint: string;
  /** Largest image, in bytes (UPLOAD_MAX_BYTES; the reports subgraph checks the same). */
  maxUploadBytes: number;
}

/** @whatwg-node's Request parses a form under busboy's limits when given them. */
interface LimitedFormData {
  formData(opts: {
    formDataLimits: { files: number; fileSize: number; fields: number; fieldSize: number };
  }): Promise<FormData>;
}

interface ImageClassification {
  label: string;
  confidence: number;
  suggestedPriority: string;
}

/** The messages @whatwg-node's multipart parser (busboy) fails with when a limit is hit. */
const TOO_MANY_FILES = /^Files limit exceeded/;
const FILE_TOO_LARGE = /^File size limit exceeded/;

/**
 * The brief's REST contract for photos, served from the persisted ClassifyReportImage operation so
 * REST and GraphQL cannot drift (issue 5, point 6):
 *
 *   POST /api/v1/classify/report-image (multipart/form-data, the image in the field `file`)
 *   → {"label": "pothole", "confidence": 0.91, "suggested_priority": "high"}
 *
 * The image is re-sent to /graphql as a GraphQL multipart request, with the caller's credentials
 * (classifying needs scope reports:write), so it meets the same checks as a submitted report's
 * photo; nothing is stored. Errors are `{"error": {"code", "message"}}`: 405, 411, 415 (not
 * multipart, or not an image), 400 (no `file`, TOO_MANY_FILES), 413 UPLOAD_TOO_LARGE, 422
 * IMAGE_UNREADABLE, 401/403, 429, 503 TRIAGE_UNAVAILABLE.
 */
export function useClassifyRoute(opts: ClassifyRouteOptions): GatewayPlugin {
  const documentId = documentIdByName(opts.documents, 'ClassifyReportImage');
  if (!documentId) {
    throw new Error('the REST route needs the persisted operation ClassifyReportImage; run npm run codegen');
  }
  return {
    onRequest(payload) {
      const { request, url, fetchAPI } = payload;
      if (url.pathname !== PATH) return;
      const { reply, fail } = restReplies(payload);

      if (request.method !== 'POST') {
        return fail(405, 'METHOD_NOT_ALLOWED', 'Use POST', undefined, { allow: 'POST' });
      }
      if (!request.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data')) {
        return fail(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          'Send multipart/form-data with the image in the field "file"',
        );
      }
      // useLimits has refused a declared length over the limit already; a body of unknown length
      // (chunked) would be read unbounded, so it is refused like there.
      if (request.headers.get('content-length') === null) {
        return fail(411, 'LENGTH_REQUIRED', 'Send a Content-Length');
      }
      const parse = (request as unknown as LimitedFormData).formData({
        formDataLimits: {
          files: 1,
          fileSize: opts.maxUploadBytes,
          fields: MAX_TEXT_FIELDS,
          fieldSize: MAX_TEXT_FIELD_BYTES,
        },
      });
      return parse
        .then(
          (form) => ({ form }),
          (err: unknown) => ({ err: err instanceof Error ? err.message : String(err) }),
        )
        .then(async (parsed) => {
          if ('err' in parsed) {
            if (TOO_MANY_FILES.test(parsed.err)) {
              return fail(400, 'TOO_MANY_FILES', 'Send one file, in the field "file"');
            }
            if (FILE_TOO_LARGE.test(parsed.err)) {
              return fail(413, 'UPLOAD_TOO_LARGE', `An image is at most ${opts.maxUploadBytes} bytes`);
            }
            return fail(400, 'BAD_REQUEST', 'The body is not a valid multipart/form-data form');
          }
          const files = [...parsed.form.entries()].filter(([, v]) => typeof v !== 'string');
          const file = parsed.form.get('file');
          if (files.length > 1) return fail(400, 'TOO_MANY_FILES', 'Send one file, in the field "file"');
          if (file === null || typeof file === 'string') {
            return fail(400, 'BAD_REQUEST', 'Send the image as a file in the multipart field "file"');
          }

          // GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec),
          // encoded up front so the request declares its length (useLimits refuses chunked bodies).
          const form = new fetchAPI.FormData();
          form.append(
            'operations',
            JSON.stringify({ documentId: `sha256:${documentId}`, variables: { photo: null } }),
          );
          form.append('map', JSON.stringify({ 0: ['variables.photo'] }));
          form.append('0', file, file.name || 'image');
          const encoded = new fetchAPI.Response(form);
          const contentType = encoded.headers.get('content-type');
          const body = new Uint8Array(await encoded.arrayBuffer());

          const res = await fetchAPI.fetch(new URL(opts.graphqlEndpoint, url), {
            method: 'POST',
            headers: forwardedHeaders(request, contentType ? { 'content-type': contentType } : {}),
            body,
          });
          const result = (await res.json()) as GraphQLResult<{
            classifyReportImage?: ImageClassification | null;
          }>;
          const classification = result.data?.classifyReportImage;
          if (!classification) {
            const error = restErrorOf(result, res.status, 'No classification');
            return fail(error.status, error.code, error.message);
          }
          return reply(200, {
            label: classification.label,
            confidence: classification.confidence,
            suggested_priority: classification.suggestedPriority.toLowerCase(),
          });
        })
        .catch(() => fail(500, 'INTERNAL_SERVER_ERROR', 'The classification failed'));
    },
    onResponse: restErrorShape(PATH),
  };
}
