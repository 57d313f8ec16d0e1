#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import('../dist/main.js').then((m) => m.main(process.argv)).catch((err) => {
  console.error(`orgledger: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
