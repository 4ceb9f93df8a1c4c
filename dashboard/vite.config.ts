/**
 * The dashboard page, built into dist/ (`npm run build:dashboard`, run by `npm ci`/`npm install`
 * through the root `prepare` script and by `npm start` when the sources changed); the gateway serves
 * it at /dashboard. `npm run dev -w @cityassist/dashboard` serves it with hot reload on :5173,
 * passing /graphql (WebSocket too) and /api to the gateway at GATEWAY_URL (default 127.0.0.1:4000).
 */
import { defineConfig } from 'vite';
import { zonesPlugin } from './zones-plugin.ts';

const gateway = process.env['GATEWAY_URL'] ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: import.meta.dirname,
  base: '/dashboard/',
  plugins: [zonesPlugin()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Nothing inlined as data: URLs (fonts, images): every asset is a file of its own under the CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/graphql': { target: gateway, ws: true },
      '/api': { target: gateway },
    },
  },
});
