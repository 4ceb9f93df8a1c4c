/**
 * Typed documents for the reviewed operations in schema/operations (GraphQL Code Generator's client
 * preset), and where their persisted-documents manifest is: the ids a production client sends as
 * `documentId` instead of the query.
 *
 * This entry is for Node (it names a file path). A browser bundle imports
 * `@cityassist/client/documents` instead: one named, tree-shakeable export per operation
 * (`DashboardZoneDocument`, …) whose `__meta__.hash` is its persisted id, plus the schema's types.
 */
import path from 'node:path';

export * from './generated/index.ts';

/** The manifest of persisted documents (`{"sha256:<hex>": "<document>"}`) the gateway serves. */
export const PERSISTED_DOCUMENTS_FILE = path.join(import.meta.dirname, 'generated/persisted-documents.json');
