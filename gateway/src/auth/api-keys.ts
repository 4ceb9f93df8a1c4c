import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Principal } from './principal.ts';

/** One API key as stored: only its SHA-256, never the key. */
export interface StoredApiKey {
  id: string;
  name: string;
  sha256: string;
  scopes: string[];
  createdAt: string;
}

const PREFIX = 'ca_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new key (shown once) and what to store for it. */
export function mintApiKey(name: string, scopes: string[]): { key: string; stored: StoredApiKey } {
  const key = `${PREFIX}${randomBytes(24).toString('base64url')}`;
  const stored = {
    id: randomBytes(6).toString('hex'),
    name,
    sha256: hashApiKey(key),
    scopes,
    createdAt: new Date().toISOString(),
  };
  return { key, stored };
}

/** Looks keys up by hash; comparing hashes in constant time so timing tells nothing. */
export class ApiKeyStore {
  private constructor(private readonly keys: StoredApiKey[]) {}

  static async load(file: string | undefined): Promise<ApiKeyStore> {
    if (!file) return new ApiKeyStore([]);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new ApiKeyStore([]);
      throw err;
    }
    const keys = JSON.parse(text) as StoredApiKey[];
    if (
      !Array.isArray(keys) ||
      keys.some((k) => !/^[0-9a-f]{64}$/.test(k.sha256) || !Array.isArray(k.scopes))
    ) {
      throw new Error(`${file}: not a list of {id, name, sha256, scopes}`);
    }
    return new ApiKeyStore(keys);
  }

  get size(): number {
    return this.keys.length;
  }

  verify(key: string): Principal | undefined {
    if (!key.startsWith(PREFIX) || key.length > 200) return undefined;
    const hash = Buffer.from(hashApiKey(key), 'hex');
    const match = this.keys.find((k) => timingSafeEqual(Buffer.from(k.sha256, 'hex'), hash));
    return match && { kind: 'api-key', id: `key:${match.id}`, scopes: match.scopes };
  }
}
