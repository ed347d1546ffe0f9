#!/usr/bin/env node
import { loadCli } from './load.js';

const { main } = await loadCli();
main(process.argv).catch((e) => {
  process.stderr.write(`flume: ${e?.stack ?? e}\n`);
  process.exit(1);
});
