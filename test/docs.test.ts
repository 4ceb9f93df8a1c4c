/**
 * The docs must not drift from the code: every command, setting and error code the README names
 * exists, every setting a service reads and every code it can answer with is in the README, every
 * relative link in the Markdown resolves, and the client package imports. (fastify's habit of
 * checking its error codes against its docs.)
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { GATEWAY_ERRORS, UPSTREAM_STATUS } from '../gateway/src/errors.ts';
import { settings as gatewaySettings } from '../gateway/src/config.ts';
import { settings as zonesSettings } from '../subgraphs/zones/src/config.ts';
import { settings as reportsSettings } from '../subgraphs/reports/src/config.ts';
import { settings as predictionsSettings } from '../subgraphs/predictions/src/config.ts';
import { errors as zonesErrors } from '../subgraphs/zones/src/errors.ts';
import { errors as reportsErrors } from '../subgraphs/reports/src/errors.ts';
import { errors as predictionsErrors } from '../subgraphs/predictions/src/errors.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const README = read('README.md');

/** The rows of the Markdown table that follows a heading, as arrays of cells. */
function tableAfter(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `no heading "${heading}"`);
  const rows: string[][] = [];
  for (const line of markdown.slice(start + heading.length + 2).split('\n')) {
    if (line.startsWith('#')) break;
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows.slice(1);
}
const codeSpans = (cell: string) => [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);

/** Every Markdown file of the repository, outside dependencies and data. */
function markdownFiles(dir = ROOT): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (['node_modules', '.git', '.data', '.scratch'].includes(name)) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...markdownFiles(full));
    else if (name.endsWith('.md')) out.push(full);
  }
  return out;
}

const SERVICE_SETTINGS = {
  gateway: Object.keys(gatewaySettings),
  zones: Object.keys(zonesSettings),
  reports: Object.keys(reportsSettings),
  predictions: Object.keys(predictionsSettings),
};

describe('the README and docs match the code', () => {
  it('EXPECTED FAILURE - every `npm run` command in the docs is a script of the repository', () => {
    const rootScripts = Object.keys((JSON.parse(read('package.json')) as { scripts: object }).scripts);
    const missing: string[] = [];
    for (const file of markdownFiles()) {
      for (const match of readFileSync(file, 'utf8').matchAll(/npm run ([\w:.-]+)/g)) {
        if (!rootScripts.includes(match[1]!)) {
          missing.push(`${path.relative(ROOT, file)}: npm run ${match[1]}`);
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  it('EXPECTED FAILURE - the settings table lists exactly the variables the services read', () => {
    const documented = new Set(tableAfter(README, '## Settings').flatMap((row) => codeSpans(row[0] ?? '')));
    const read = new Set(Object.values(SERVICE_SETTINGS).flat());
    assert.deepEqual([...read].filter((v) => !documented.has(v)).sort(), [], 'read but not documented');
    assert.deepEqual(
      [...documented].filter((v) => !read.has(v)).sort(),
      [],
      'documented but read by no service',
    );
  });

  it('EXPECTED FAILURE - the error table lists exactly the codes the gateway and the subgraphs answer with, with their statuses', () => {
    const rows = tableAfter(README, '### Error codes');
    const documented = new Map(rows.map((row) => [codeSpans(row[0] ?? '')[0] ?? '', Number(row[1])]));
    const catalogued = new Map<string, number>();
    for (const [code, spec] of Object.entries(GATEWAY_ERRORS)) catalogued.set(code, spec.status);
    for (const errors of [zonesErrors, reportsErrors, predictionsErrors]) {
      for (const [code, spec] of Object.entries(errors.catalogue)) {
        const known = catalogued.get(code);
        // A code both raise (BAD_USER_INPUT, TOO_MANY_FILES, …) must mean the same status.
        assert.ok(known === undefined || known === spec.status, `${code}: ${known} vs ${spec.status}`);
        catalogued.set(code, spec.status);
      }
    }
    assert.deepEqual(
      [...catalogued.keys()].filter((c) => !documented.has(c)).sort(),
      [],
      'answered but not documented',
    );
    assert.deepEqual(
      [...documented.keys()].filter((c) => !catalogued.has(c)).sort(),
      [],
      'documented but never answered',
    );
    for (const [code, status] of catalogued) assert.equal(documented.get(code), status, `${code}'s status`);
    for (const [code, status] of Object.entries(UPSTREAM_STATUS)) {
      assert.equal(catalogued.get(code), status, `the REST routes map ${code} to the subgraph's own status`);
    }
  });

  it('EXPECTED FAILURE - no code is raised in the gateway outside its catalogue', () => {
    const strays: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
          for (const m of readFileSync(full, 'utf8').matchAll(/\bcode: '([A-Z][A-Z_]+)'/g)) {
            if (!(m[1]! in GATEWAY_ERRORS)) strays.push(`${path.relative(ROOT, full)}: ${m[1]}`);
          }
        }
      }
    };
    walk(path.join(ROOT, 'gateway/src'));
    assert.deepEqual(strays, []);
  });

  it('EXPECTED FAILURE - every relative link in the Markdown resolves to a file in the repository', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
      // Markdown links, and paths to other Markdown files written as code (`../x/README.md`).
      for (const m of text.matchAll(/\]\(([^)\s]+)\)|`(\.\.?\/[^`\s]+\.md)`/g)) {
        const target = (m[1] ?? m[2])!.split('#')[0]!;
        if (!target || /^[a-z]+:/.test(target)) continue;
        const resolved = path.resolve(path.dirname(file), target);
        if (!resolved.startsWith(ROOT) || !existsSync(resolved)) {
          broken.push(`${path.relative(ROOT, file)} → ${target}`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  it('EXPECTED FAILURE - every docs/ page the schema refers to exists', () => {
    const schema = read('schema/public.graphql');
    const pages = [...new Set([...schema.matchAll(/docs\/[\w-]+\.md/g)].map((m) => m[0]))];
    assert.deepEqual(
      pages.filter((p) => !existsSync(path.join(ROOT, p))),
      [],
    );
  });

  it('EXPECTED FAILURE - docs/architecture.md covers every model under models/', () => {
    const architecture = read('docs/architecture.md');
    const models = readdirSync(path.join(ROOT, 'models')).filter((m) =>
      statSync(path.join(ROOT, 'models', m)).isDirectory(),
    );
    assert.deepEqual(
      models.filter((m) => !architecture.includes(`models/${m}/`)),
      [],
    );
  });

  it('EXPECTED FAILURE - @cityassist/client imports, with its typed documents and manifest', async () => {
    const client = (await import('@cityassist/client')) as {
      graphql?: unknown;
      PERSISTED_DOCUMENTS_FILE?: string;
    };
    assert.equal(typeof client.graphql, 'function');
    assert.ok(client.PERSISTED_DOCUMENTS_FILE && existsSync(client.PERSISTED_DOCUMENTS_FILE));
  });
});
