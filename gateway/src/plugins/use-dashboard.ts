import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Logger } from '@graphql-hive/logger';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt']);
/** Vite's hashed file names: `index-HkFk8Q2v.js`. Their content never changes under that name. */
const HASHED = /^assets\/[^/]+-[\w-]{8,}\.\w+$/;
interface CachedFile {
  mtimeMs: number;
  size: number;
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

const HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The dashboard page (dashboard/, built by Vite into dashboard/dist) at `/dashboard`: its files
 * only, with their content types; hashed assets cached for a year, `index.html` never cached (so a
 * new build is picked up at once); a Content-Security-Policy that lets the page load and connect to
 * this origin only (its GraphQL over HTTP and graphql-ws), plus the data: and blob: images it makes
 * itself (heatmaps, the photo preview). Anything else under /dashboard is 404, and nothing outside
 * the build directory can be reached. Files are read once per version and kept, compressed (br or
 * gzip) for clients that accept it.
 */
export function useDashboard(opts: { dir: string; path?: string; log?: Logger }): GatewayPlugin {
  const base = opts.path ?? '/dashboard';
  const dir = path.resolve(opts.dir);
  const files = new Map<string, CachedFile>();
  void stat(path.join(dir, 'index.html')).catch(() =>
    opts.log?.warn(
      { dir },
      'the dashboard is not built: /dashboard answers 503 until `npm run build:dashboard` has run',
    ),
  );

  const read = async (file: string) => {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      files.delete(file);
      return undefined;
    }
    const known = files.get(file);
    if (known && known.mtimeMs === info.mtimeMs && known.size === info.size) return known;
    const entry: CachedFile = { mtimeMs: info.mtimeMs, size: info.size, body: await readFile(file) };
    files.set(file, entry);
    return entry;
  };

  return {
    onRequest(payload) {
      const { url, request, fetchAPI } = payload;
      if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return;
      const headers = securityHeaders(request.headers.get('host'));
      const text = (status: number, body: string, extra: Record<string, string> = {}) =>
        payload.endResponse(
          new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
            status,
            headers: {
              ...headers,
              'content-type': 'text/plain; charset=utf-8',
              'cache-control': 'no-store',
              ...extra,
            },
          }),
        );
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return text(405, 'Method not allowed\n', { allow: 'GET, HEAD' });
      }
      const relative = relativePath(url.pathname.slice(base.length));
      if (relative === undefined) return text(404, 'Not found\n');
      return read(path.join(dir, relative)).then((entry) => {
        if (!entry) {
          return relative === 'index.html'
            ? text(503, 'The dashboard is not built: run `npm run build:dashboard`\n')
            : text(404, 'Not found\n');
        }
        const ext = path.extname(relative).toLowerCase();
        const cacheControl =
          relative === 'index.html'
            ? 'no-store'
            : HASHED.test(relative)
              ? 'public, max-age=31536000, immutable'
              : 'no-cache';
        let body = entry.body;
        let encoding: string | undefined;
        if (COMPRESSIBLE.has(ext) && body.length > 1024) {
          const accepted = request.headers.get('accept-encoding') ?? '';
          if (/\bbr\b/.test(accepted)) {
            entry.br ??= brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } });
            [body, encoding] = [entry.br, 'br'];
          } else if (/\bgzip\b/.test(accepted)) {
            entry.gzip ??= gzipSync(body, { level: 9 });
            [body, encoding] = [entry.gzip, 'gzip'];
          }
        }
        payload.endResponse(
          new fetchAPI.Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
            status: 200,
            headers: {
              ...headers,
              'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
              'content-length': String(body.length),
              'cache-control': cacheControl,
              ...(COMPRESSIBLE.has(ext) ? { vary: 'accept-encoding' } : {}),
              ...(encoding ? { 'content-encoding': encoding } : {}),
            },
          }),
        );
      });
    },
  };
}

/**
 * The file a request path names inside the build, or undefined for anything that is not a plain
 * file path there: `..`, dot files and folders, empty segments, backslashes, NUL, bad escapes.
 */
function relativePath(rest: string): string | undefined {
  if (rest === '' || rest === '/') return 'index.html';
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest.slice(1));
  } catch {
    return undefined;
  }
  const segments = decoded.split('/');
  if (segments.some((s) => s === '' || s.startsWith('.') || s.includes('\\') || s.includes('\0'))) {
    return undefined;
  }
  return segments.join('/');
}

/**
 * Only this origin: scripts, styles, fetches and the graphql-ws socket (named as ws:/wss: too, for
 * browsers whose 'self' does not cover WebSockets); images also as data: and blob: URLs, which the
 * page makes from the API's answers and the user's own photo.
 */
function securityHeaders(host: string | null): Record<string, string> {
  const sockets = host && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      `connect-src 'self'${sockets}`,
      "font-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  };
}
