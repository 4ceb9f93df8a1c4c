/**
 * The committed Postman collection (examples/postman/) is what `npm run postman` makes now, and
 * covers the API: every persisted operation by its manifest id, every REST route, the collection
 * variables baseUrl and apiKey, and a test script on every request. test/postman.e2e.ts runs it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REST_ROUTES } from '../gateway/src/rest/routes.ts';
import { COLLECTION_FILE, collectionText, PHOTO_FILE, persistedOperations } from '../scripts/postman.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const MANIFEST = path.join(ROOT, 'packages/client/src/generated/persisted-documents.json');

interface Item {
  name: string;
  request: { method: string; url: { raw: string }; body?: { raw?: string; formdata?: { value?: string }[] } };
  event: { listen: string; script: { exec: string[] } }[];
}
const collection = JSON.parse(readFileSync(COLLECTION_FILE, 'utf8')) as {
  info: { schema: string; name: string };
  variable: { key: string; value: string }[];
  item: { name: string; item: Item[] }[];
};
const items = collection.item.flatMap((f) => f.item);

describe('the Postman collection', () => {
  it('is current (npm run postman)', async () => {
    assert.ok(
      readFileSync(COLLECTION_FILE, 'utf8') === (await collectionText()),
      `${path.relative(ROOT, COLLECTION_FILE)} is stale: run npm run postman`,
    );
    assert.ok(existsSync(PHOTO_FILE));
    assert.deepEqual([...readFileSync(PHOTO_FILE).subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
  });

  it('is a v2.1 collection with the variables baseUrl and apiKey', () => {
    assert.equal(
      collection.info.schema,
      'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    );
    const variables = Object.fromEntries(collection.variable.map((v) => [v.key, v.value]));
    assert.equal(variables['baseUrl'], 'http://127.0.0.1:4000');
    assert.equal(variables['apiKey'], '');
    for (const item of items) assert.match(item.request.url.raw, /^\{\{baseUrl\}\}\//, item.name);
  });

  it('sends every persisted operation by its manifest id', () => {
    const manifest = Object.keys(JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>);
    const sent = new Set(
      items.flatMap((i) =>
        [i.request.body?.raw ?? '', ...(i.request.body?.formdata ?? []).map((f) => f.value ?? '')].flatMap(
          (text) => [...text.matchAll(/"documentId":\s*"(sha256:[0-9a-f]{64})"/g)].map((m) => m[1]!),
        ),
      ),
    );
    assert.deepEqual(
      manifest.filter((id) => !sent.has(id)),
      [],
    );
    assert.equal(persistedOperations().length, manifest.length, 'one operation per manifest entry');
  });

  it('has every REST route, and a test on every request', () => {
    for (const route of REST_ROUTES) {
      assert.ok(
        items.some((i) => i.request.url.raw === `{{baseUrl}}${route.path}` && i.request.method === 'POST'),
        route.path,
      );
    }
    for (const item of items) {
      const tests = item.event.find((e) => e.listen === 'test')?.script.exec.join('\n') ?? '';
      assert.match(tests, /pm\.response\.to\.have\.status\(\d{3}\)/, item.name);
    }
  });
});
