import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** A trusted document store: sha256 hex of the document text → the document. */
export type DocumentStore = ReadonlyMap<string, string>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const HEX64 = /^[0-9a-f]{64}$/;

/** `sha256:<hex>` (GraphQL Code Generator, Hive) and bare `<hex>` (Apollo APQ) name the same document. */
export function normaliseDocumentId(id: string): string | undefined {
  const hex = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
  return HEX64.test(hex) ? hex : undefined;
}

interface ApolloManifest {
  format: 'apollo-persisted-query-manifest';
  version: number;
  operations: { id: string; name?: string; type?: string; body: string }[];
}

/**
 * Reads persisted-document manifests in either format clients generate:
 * - GraphQL Code Generator's `persisted-documents.json` (`{"sha256:<hex>": "<document>"}`), and
 * - Apollo's `apollo-persisted-query-manifest` (`{format, version, operations: [{id, body}]}`), which
 *   JVM clients (Apollo Kotlin) produce.
 * Every id must be the SHA-256 of its document: a manifest that lies stops the start rather than
 * letting a hash run a document nobody reviewed.
 */
export async function loadDocumentStore(files: readonly string[]): Promise<DocumentStore> {
  const store = new Map<string, string>();
  for (const file of files) {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    const entries: [string, string][] =
      (parsed as ApolloManifest).format === 'apollo-persisted-query-manifest'
        ? (parsed as ApolloManifest).operations.map((op) => [op.id, op.body])
        : Object.entries(parsed as Record<string, string>);
    for (const [id, body] of entries) {
      const hex = normaliseDocumentId(id);
      if (!hex || typeof body !== 'string') {
        throw new Error(`${file}: entry ${id} is not a sha256 id with a document`);
      }
      if (sha256(body) !== hex) throw new Error(`${file}: ${id} is not the sha256 of its document`);
      store.set(hex, body);
    }
  }
  return store;
}

/** The id a request names: `documentId` (GraphQL over HTTP) or `extensions.persistedQuery.sha256Hash` (APQ). */
export function documentIdOf(params: {
  extensions?: Record<string, unknown>;
  documentId?: unknown;
}): string | undefined {
  const fromBody = typeof params.documentId === 'string' ? params.documentId : undefined;
  const apq = (params.extensions?.['persistedQuery'] as { sha256Hash?: unknown } | undefined)?.sha256Hash;
  const id = fromBody ?? (typeof apq === 'string' ? apq : undefined);
  return id === undefined ? undefined : (normaliseDocumentId(id) ?? id);
}

/** The id of the persisted operation with this name (the REST routes run their operation by it). */
export function documentIdByName(store: DocumentStore, operationName: string): string | undefined {
  const pattern = new RegExp(`^(query|mutation|subscription)\\s+${operationName}\\b`);
  for (const [id, document] of store) if (pattern.test(document)) return id;
  return undefined;
}
