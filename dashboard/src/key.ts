/**
 * The caller's API key, for the scoped parts of the page (reports, photos). Kept in sessionStorage
 * only: it lives as long as the tab, is never written to localStorage, a cookie or the URL, and is
 * sent only to this origin (x-api-key, and graphql-ws connectionParams).
 */
const STORAGE_KEY = 'cityassist.apiKey';
const listeners = new Set<(key: string | undefined) => void>();

export function apiKey(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function setApiKey(key: string | undefined): void {
  const value = key?.trim() || undefined;
  try {
    if (value) sessionStorage.setItem(STORAGE_KEY, value);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage refused (private mode quotas): the key then lasts until the page reloads.
  }
  for (const listener of listeners) listener(value);
}

export function onApiKeyChange(listener: (key: string | undefined) => void): void {
  listeners.add(listener);
}

/** Headers for a request with the key, if any. */
export function credentialHeaders(): Record<string, string> {
  const key = apiKey();
  return key ? { 'x-api-key': key } : {};
}
