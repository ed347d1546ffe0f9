#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

main(process.argv).catch((e) => {
  process.stderr.write(`flume: ${e?.stack ?? e}\n`);
  process.exit(1);
});
