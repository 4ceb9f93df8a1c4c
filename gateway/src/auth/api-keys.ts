import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, unwatchFile, watchFile } from 'node:fs';
import { promisify } from 'node:util';
import type { Principal } from './principal.ts';

/** One API key as stored: only its SHA-256, never the key. */
export interface StoredApiKey {
  id: string;
  name: string;
  sha256: string;
  scopes: string[];
  createdAt: string;
  /** After this instant the key is refused (`npm run api-key -- --expires 90d`). */
  expiresAt?: string;
  /** When the key was revoked (`npm run api-key -- --revoke <id>`); a revoked key is refused. */
  revokedAt?: string;
}

/** What presenting a key gives: the caller, or why it was refused. */
export type ApiKeyCheck =
  { principal: Principal } | { refused: 'invalid_api_key' | 'revoked' | 'key_expired' };

const PREFIX = 'ca_';
const read = promisify(readFile);

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new key (shown once) and what to store for it. */
export function mintApiKey(
  name: string,
  scopes: string[],
  opts: { expiresAt?: Date | undefined } = {},
): { key: string; stored: StoredApiKey } {
  const key = `${PREFIX}${randomBytes(24).toString('base64url')}`;
  const stored: StoredApiKey = {
    id: randomBytes(6).toString('hex'),
    name,
    sha256: hashApiKey(key),
    scopes,
    createdAt: new Date().toISOString(),
    ...(opts.expiresAt ? { expiresAt: opts.expiresAt.toISOString() } : {}),
  };
  return { key, stored };
}

/** Parses a key file's text; throws naming the file when it is not a list of stored keys. */
export function parseKeyFile(text: string, file: string): StoredApiKey[] {
  const keys = JSON.parse(text) as StoredApiKey[];
  const valid =
    Array.isArray(keys) &&
    keys.every(
      (k) =>
        typeof k.id === 'string' &&
        /^[0-9a-f]{64}$/.test(k.sha256) &&
        Array.isArray(k.scopes) &&
        (k.expiresAt === undefined || !Number.isNaN(Date.parse(k.expiresAt))) &&
        (k.revokedAt === undefined || !Number.isNaN(Date.parse(k.revokedAt))),
    );
  if (!valid) throw new Error(`${file}: not a list of {id, name, sha256, scopes, expiresAt?, revokedAt?}`);
  return keys;
}

/**
 * Looks keys up by hash, comparing in constant time so timing tells nothing. The file is read again
 * when it changes (polled once a second, which also sees an editor's write-and-rename), so minting,
 * revoking or expiring a key needs no restart. A file that stops parsing keeps the last good keys.
 */
export class ApiKeyStore {
  private constructor(
    private keys: StoredApiKey[],
    private readonly file: string | undefined,
  ) {}

  static async open(
    file: string | undefined,
    opts: { watch?: boolean; onReload?: (info: { keys?: number; error?: string }) => void } = {},
  ): Promise<ApiKeyStore> {
    const store = new ApiKeyStore(file ? await loadKeys(file) : [], file);
    if (file && opts.watch) {
      watchFile(file, { interval: 1000, persistent: false }, () => {
        loadKeys(file).then(
          (keys) => {
            store.keys = keys;
            opts.onReload?.({ keys: keys.length });
          },
          (err: unknown) => opts.onReload?.({ error: err instanceof Error ? err.message : String(err) }),
        );
      });
    }
    return store;
  }

  /** A store with no keys (tests, and a gateway run without a key file). */
  static empty(): ApiKeyStore {
    return new ApiKeyStore([], undefined);
  }

  get size(): number {
    return this.keys.length;
  }

  check(key: string, now = Date.now()): ApiKeyCheck {
    if (!key.startsWith(PREFIX) || key.length > 200) return { refused: 'invalid_api_key' };
    const hash = Buffer.from(hashApiKey(key), 'hex');
    const match = this.keys.find((k) => timingSafeEqual(Buffer.from(k.sha256, 'hex'), hash));
    if (!match) return { refused: 'invalid_api_key' };
    if (match.revokedAt) return { refused: 'revoked' };
    if (match.expiresAt && Date.parse(match.expiresAt) <= now) return { refused: 'key_expired' };
    return { principal: { kind: 'api-key', id: `key:${match.id}`, scopes: match.scopes } };
  }

  close(): void {
    if (this.file) unwatchFile(this.file);
  }
}

async function loadKeys(file: string): Promise<StoredApiKey[]> {
  let text: string;
  try {
    text = await read(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseKeyFile(text, file);
}
