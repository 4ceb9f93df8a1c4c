#!/bin/sh
# Turns a full `npm ci` tree into the runtime's: production dependencies only, plus tsx (and the
# esbuild it runs on), which the services use as their loader — they run their TypeScript sources
# as tested, with no separate build (tsx is a root devDependency). Run from the repository root.
# The Dockerfile's prod-deps stage runs exactly this; test/deploy.e2e.ts runs it on a copy.
set -eu
keep=$(mktemp -d)
cp -a node_modules/tsx node_modules/esbuild node_modules/@esbuild "$keep/"
npm prune --omit=dev --ignore-scripts --no-audit --no-fund
cp -a "$keep/tsx" "$keep/esbuild" node_modules/
mkdir -p node_modules/@esbuild && cp -a "$keep/@esbuild/." node_modules/@esbuild/
rm -rf "$keep" node_modules/.cache
