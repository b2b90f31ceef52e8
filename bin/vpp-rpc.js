#!/usr/bin/env node
// The vpp-rpc command: runs the compiled JavaScript (`make build`, or `npm pack`'s prepack).
await import('../dist/cli/main.js').catch((e) => {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/cli/main.js')) throw e;
  console.error('vpp-rpc is not built: run `make build` (or `npm run build`) in its directory');
  process.exit(1);
});
