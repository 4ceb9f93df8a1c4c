/**
 * `npm run schema` prints each subgraph's SDL to schema/<name>.graphql and composes them into
 * schema/supergraph.graphql with @theguild/federation-composition, and the client-facing API
 * (no federation directives) to schema/public.graphql. `--check` writes nothing and
 * fails when a committed file is stale or composition fails (CI runs it).
 *
 * Each subgraph prints in its own process: type-graphql keeps its metadata in a global store, and
 * three subgraphs that each declare a `Zone` class must not share one.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { composeServices } from '@theguild/federation-composition';
import { buildASTSchema, parse, printSchema } from 'graphql';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');

/** Subgraph name → default URL written into the supergraph; the gateway overrides it per environment. */
export const SUBGRAPHS = {
  zones: 'http://127.0.0.1:4001/graphql',
  reports: 'http://127.0.0.1:4002/graphql',
  predictions: 'http://127.0.0.1:4003/graphql',
} as const;

async function printSubgraph(name: string): Promise<string> {
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  const { stdout } = await run(tsx, [path.join(root, 'subgraphs', name, 'src/print-schema.ts')], {
    cwd: root,
  });
  return stdout.endsWith('\n') ? stdout : `${stdout}\n`;
}

const stale: string[] = [];
async function emit(file: string, content: string): Promise<void> {
  const target = path.join(root, 'schema', file);
  if (check) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== content) stale.push(`schema/${file}`);
  } else {
    await writeFile(target, content);
  }
}

const sdls = await Promise.all(
  Object.keys(SUBGRAPHS).map(async (name) => [name, await printSubgraph(name)] as const),
);
for (const [name, sdl] of sdls) await emit(`${name}.graphql`, sdl);

const result = composeServices(
  sdls.map(([name, sdl]) => ({ name, typeDefs: parse(sdl), url: SUBGRAPHS[name as keyof typeof SUBGRAPHS] })),
);
if (result.errors) {
  for (const e of result.errors) console.error(`composition: ${e.message}`);
  process.exit(1);
}
const withNewline = (sdl: string) => (sdl.endsWith('\n') ? sdl : `${sdl}\n`);
await emit('supergraph.graphql', withNewline(result.supergraphSdl));
// The API as clients see it, without the federation plumbing: what codegen and IDEs read.
await emit('public.graphql', withNewline(printSchema(buildASTSchema(result.publicDocumentNode))));

if (stale.length) {
  console.error(`Stale schema files (run \`npm run schema\` and commit them):\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
console.log(check ? 'schema files are current and compose' : 'schema files written');
