/**
 * `npm run api-key -- --name <who> --scopes reports:write,reports:read [--file .data/api-keys.json]`
 * mints an API key, prints it once, and stores only its SHA-256 in the gateway's key file
 * (API_KEYS_FILE). Restart the gateway to load it.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintApiKey, type StoredApiKey } from '../gateway/src/auth/api-keys.ts';
import { SCOPES } from '../gateway/src/auth/principal.ts';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    scopes: { type: 'string', default: '' },
    file: { type: 'string', default: process.env['API_KEYS_FILE'] ?? '.data/api-keys.json' },
  },
});
if (!values.name) {
  console.error('usage: npm run api-key -- --name <who> [--scopes a,b] [--file path]');
  process.exit(2);
}
const scopes = values.scopes.split(',').filter(Boolean);
const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
if (unknown.length) {
  console.error(`unknown scopes: ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`);
  process.exit(2);
}
const file = path.resolve(values.file);
const existing = JSON.parse(await readFile(file, 'utf8').catch(() => '[]')) as StoredApiKey[];
const { key, stored } = mintApiKey(values.name, scopes);
await mkdir(path.dirname(file), { recursive: true });
await writeFile(file, JSON.stringify([...existing, stored], null, 2) + '\n', { mode: 0o600 });
console.log(`API key for ${values.name} (scopes: ${scopes.join(' ') || 'none'}), shown once:\n\n  ${key}\n`);
console.log(`Stored its hash in ${file}. Send it as the x-api-key header.`);
