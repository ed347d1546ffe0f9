#!/usr/bin/env node
import { main } from '../dist/flume.mjs';

main(process.argv).catch((e) => {
  process.stderr.write(`flume: ${e?.stack ?? e}\n`);
  process.exit(1);
});
