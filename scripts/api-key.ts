/**
 * Manages the gateway's API keys (API_KEYS_FILE; the gateway reads the file again when it changes,
 * so nothing needs a restart). Only a key's SHA-256 is stored; the key itself is shown once.
 *
 *   npm run api-key -- --name <who> --scopes reports:write,reports:read [--expires 90d]
 *   npm run api-key -- --revoke <id>
 *   npm run api-key -- --list
 *
 * `--file` names another key file; `--expires` takes days (`90d`), hours (`12h`) or an ISO date.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintApiKey, parseKeyFile, type StoredApiKey } from '../gateway/src/auth/api-keys.ts';
import { SCOPES } from '../gateway/src/auth/principal.ts';
import { parseConfig } from '../gateway/src/config.ts';

const usage = `usage:
  npm run api-key -- --name <who> [--scopes a,b] [--expires 90d|12h|<ISO date>] [--file path]
  npm run api-key -- --revoke <id> [--file path]
  npm run api-key -- --list [--file path]`;

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    scopes: { type: 'string', default: '' },
    expires: { type: 'string' },
    revoke: { type: 'string' },
    list: { type: 'boolean', default: false },
    // The gateway's own setting, resolved the same way, so both always mean the same file.
    file: { type: 'string', default: parseConfig(process.env).apiKeysFile },
  },
});
const fail = (message: string): never => {
  console.error(message);
  process.exit(2);
};

const file = path.resolve(values.file);
const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) =>
  err.code === 'ENOENT' ? '[]' : Promise.reject(err),
);
const keys = parseKeyFile(text, file);
const save = async (next: StoredApiKey[]) => {
  await mkdir(path.dirname(file), { recursive: true });
  // Write beside and rename over, so the gateway never reads half a file.
  await writeFile(`${file}.tmp`, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  await rename(`${file}.tmp`, file);
};

if (values.list) {
  for (const k of keys) {
    const state = k.revokedAt
      ? `revoked ${k.revokedAt}`
      : k.expiresAt
        ? `expires ${k.expiresAt}`
        : 'no expiry';
    console.log(`${k.id}  ${k.name}  [${k.scopes.join(' ') || 'no scopes'}]  ${state}`);
  }
} else if (values.revoke) {
  const target =
    keys.find((k) => k.id === values.revoke) ?? fail(`no key with id ${values.revoke} in ${file}`);
  if (target.revokedAt) fail(`key ${target.id} was revoked at ${target.revokedAt}`);
  await save(keys.map((k) => (k === target ? { ...k, revokedAt: new Date().toISOString() } : k)));
  console.log(
    `Revoked key ${target.id} (${target.name}); a running gateway refuses it within a few seconds.`,
  );
} else {
  if (!values.name) fail(usage);
  const scopes = values.scopes.split(',').filter(Boolean);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) fail(`unknown scopes: ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`);
  const expiresAt = values.expires ? expiryOf(values.expires) : undefined;
  const { key, stored } = mintApiKey(values.name!, scopes, { expiresAt });
  await save([...keys, stored]);
  console.log(
    `API key ${stored.id} for ${values.name} (scopes: ${scopes.join(' ') || 'none'}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}), shown once:\n\n  ${key}\n`,
  );
  console.log(`Stored its hash in ${file}. Send it as the x-api-key header.`);
}

function expiryOf(value: string): Date {
  const relative = /^(\d+)([dh])$/.exec(value);
  const at = relative
    ? new Date(Date.now() + Number(relative[1]) * (relative[2] === 'd' ? 86_400_000 : 3_600_000))
    : new Date(value);
  if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) {
    return fail(`--expires: give a future time as 90d, 12h or an ISO date (got ${value})`);
  }
  return at;
}
