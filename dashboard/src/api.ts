/**
 * The page's only way to the API: persisted operations by id (`documentId`), never a query text. The
 * typed documents and their ids come from @cityassist/client (GraphQL Code Generator over
 * schema/operations/), so a variable or field the operation does not have is a type error here.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { credentialHeaders } from './key.ts';

export interface ApiError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface ApiResult<T> {
  status: number;
  data?: T | null;
  errors?: ApiError[];
}

/** A generated typed document: codegen's persisted-documents option puts its id in `__meta__`. */
type Persisted<TData, TVariables> = TypedDocumentNode<TData, TVariables> & { __meta__?: { hash?: string } };

export const GRAPHQL_PATH = '/graphql';

export function documentIdOf(document: object): string {
  const id = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!id) throw new Error('not a persisted document: run npm run codegen');
  return id;
}

async function answer<T>(res: Response): Promise<ApiResult<T>> {
  try {
    const body = (await res.json()) as { data?: T | null; errors?: ApiError[] };
    return { status: res.status, ...body };
  } catch {
    return {
      status: res.status,
      errors: [{ message: `The API answered ${res.status} without a GraphQL body` }],
    };
  }
}

/** Runs a persisted query or mutation over HTTP POST, with the API key when there is one. */
export async function execute<TData, TVariables>(
  document: Persisted<TData, TVariables>,
  variables: TVariables,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<ApiResult<TData>> {
  try {
    const res = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...credentialHeaders(),
        ...init.headers,
      },
      body: JSON.stringify({ documentId: documentIdOf(document), variables }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    return await answer<TData>(res);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    return {
      status: 0,
      errors: [{ message: 'The API could not be reached', extensions: { code: 'NETWORK' } }],
    };
  }
}

/**
 * Runs a persisted mutation with files as a GraphQL multipart request
 * (github.com/jaydenseric/graphql-multipart-request-spec): `operations` names the document by id,
 * `map` puts each file at its variable path.
 */
export async function executeMultipart<TData, TVariables>(
  document: Persisted<TData, TVariables>,
  variables: TVariables,
  files: Record<string, File>,
  init: { headers?: Record<string, string> } = {},
): Promise<ApiResult<TData>> {
  const form = new FormData();
  const paths = Object.keys(files);
  form.append('operations', JSON.stringify({ documentId: documentIdOf(document), variables }));
  form.append(
    'map',
    JSON.stringify(Object.fromEntries(paths.map((p, i) => [String(i), [`variables.${p}`]]))),
  );
  paths.forEach((p, i) => form.append(String(i), files[p]!, files[p]!.name || 'photo'));
  try {
    const res = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: {
        accept: 'application/graphql-response+json, application/json',
        ...credentialHeaders(),
        ...init.headers,
      },
      body: form,
    });
    return await answer<TData>(res);
  } catch {
    return {
      status: 0,
      errors: [{ message: 'The API could not be reached', extensions: { code: 'NETWORK' } }],
    };
  }
}

/** "Report.description needs scope reports:read (403)" and the like, for a status line. */
export function describeErrors(errors: ApiError[] | undefined): string {
  return (errors ?? [])
    .map((e) => (e.extensions?.code ? `${e.message} (${e.extensions.code})` : e.message))
    .join('; ');
}
