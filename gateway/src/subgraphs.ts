import { readFile } from 'node:fs/promises';

/** Subgraph name → GraphQL URL, read from the supergraph's `@join__graph` directives. */
export async function subgraphsOf(supergraphFile: string): Promise<Record<string, string>> {
  const sdl = await readFile(supergraphFile, 'utf8');
  const entries = [...sdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g)].map(
    (m): [string, string] => [m[1]!, m[2]!],
  );
  if (!entries.length) throw new Error(`${supergraphFile} names no subgraphs`);
  return Object.fromEntries(entries);
}
