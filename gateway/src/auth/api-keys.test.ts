import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKeyStore, mintApiKey } from './api-keys.ts';

describe('ApiKeyStore', () => {
  it('EXPECTED FAILURE - reads its file again when it changes: a new key works and a revoked one stops, no restart', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'keys-'));
    const file = path.join(dir, 'api-keys.json');
    const first = mintApiKey('first', ['reports:read']);
    await writeFile(file, JSON.stringify([first.stored]));
    const reloads: unknown[] = [];
    const store = await ApiKeyStore.open(file, { watch: true, onReload: (r) => reloads.push(r) });
    try {
      assert.ok('principal' in store.check(first.key));
      const second = mintApiKey('second', []);
      // An editor's save: write elsewhere, rename over the file.
      await writeFile(
        `${file}.tmp`,
        JSON.stringify([{ ...first.stored, revokedAt: new Date().toISOString() }, second.stored]),
      );
      await rename(`${file}.tmp`, file);
      for (let i = 0; i < 50 && !('principal' in store.check(second.key)); i++) await sleep(100);
      assert.ok('principal' in store.check(second.key), 'the new key works');
      assert.deepEqual(store.check(first.key), { refused: 'revoked' });
      await writeFile(file, 'not json');
      for (let i = 0; i < 50 && !reloads.some((r) => (r as { error?: unknown }).error); i++) await sleep(100);
      assert.ok('principal' in store.check(second.key), 'a broken file keeps the last good keys');
      assert.ok(reloads.some((r) => typeof (r as { error?: unknown }).error === 'string'));
    } finally {
      store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
