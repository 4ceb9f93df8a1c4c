import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '@cityassist/service-kit';
import { parseConfig } from './config.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('gateway parseConfig', () => {
  it('EXPECTED FAILURE - finds the same API key file whether it starts from the root or its workspace', () => {
    const cwd = process.cwd();
    try {
      process.chdir(ROOT);
      const fromRoot = parseConfig({}).apiKeysFile;
      process.chdir(path.join(ROOT, 'gateway'));
      assert.equal(parseConfig({}).apiKeysFile, fromRoot);
      assert.equal(fromRoot, path.join(ROOT, '.data/api-keys.json'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('EXPECTED FAILURE - refuses a bad port or limit, naming the variable', () => {
    for (const [name, value] of [
      ['GATEWAY_PORT', 'abc'],
      ['METRICS_PORT', '70000'],
      ['MAX_SUBSCRIPTIONS_PER_CONNECTION', '0'],
      ['JWT_SECRET', 'short'],
    ] as const) {
      assert.throws(
        () => parseConfig({ [name]: value }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(`${name}:`),
      );
    }
  });

  it('defaults to development limits and production hardening by NODE_ENV', () => {
    const dev = parseConfig({});
    assert.equal(dev.development, true);
    assert.equal(dev.allowArbitraryDocuments, true);
    assert.equal(dev.metricsPort, undefined);
    const prod = parseConfig({
      NODE_ENV: 'production',
      GATEWAY_SECRET: 'x'.repeat(32),
      METRICS_PORT: '9464',
    });
    assert.equal(prod.allowArbitraryDocuments, false);
    assert.equal(prod.graphiql, false);
    assert.equal(prod.metricsPort, 9464);
    assert.equal(parseConfig({ METRICS_PORT: 'off' }).metricsPort, 'off');
    assert.throws(() => parseConfig({ NODE_ENV: 'production' }), /GATEWAY_SECRET: required/);
  });
});
