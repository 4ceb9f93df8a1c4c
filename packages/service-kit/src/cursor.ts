/**
 * Opaque pagination cursors (Relay connection spec): base64url of `<kind>:<key>`, so clients can't
 * build them by hand and a cursor from one list is refused by another.
 */
export function encodeCursor(kind: string, key: string): string {
  return Buffer.from(`${kind}:${key}`, 'utf8').toString('base64url');
}

/** Returns the key, or undefined when the cursor is not one of ours for this kind. */
export function decodeCursor(kind: string, cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return text.startsWith(`${kind}:`) ? text.slice(kind.length + 1) : undefined;
}
