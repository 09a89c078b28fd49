#!/usr/bin/env node
// Bundles a service (its src/main.ts and every workspace package it imports) into one ESM file,
// dist/main.mjs, runnable with plain `node` and no node_modules: what the container images ship.
// Usage (from a service folder): node ../../tools/build/bundle-service.mjs
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS dependencies (kafkajs, express) still call require() for Node built-ins.
  banner: { js: "import { createRequire as __heraldCreateRequire } from 'node:module'; const require = __heraldCreateRequire(import.meta.url);" },
});
