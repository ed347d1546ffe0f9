/**
 * `http`: `write('http', url=…)` sends batches of points to an HTTP endpoint
 * (write.ts, on the shared sink machinery).
 */
import { defineAdapter } from '../../runtime/defs.js';
import { createHttpSink, httpWriteOptions } from './write.js';

export const http = defineAdapter({
  name: 'http',
  summary: 'HTTP: send batches of points to an endpoint.',
  description:
    "**Writing** (`write('http', url=…)`) sends batches on the shared sink machinery (batch_size, batch_bytes, flush, buffer, " +
    "retry_for, errors): the body is JSON lines (`format='jsonl'`, application/x-ndjson) or one JSON array (`format='json'`). " +
    'A 2xx answer is success; 429, 5xx, timeouts and connection errors are retried with backoff and jitter for `retry_for`, ' +
    'then the run fails; any other status refuses the batch for good: its points go to `errors=` with the status and the ' +
    "server's answer, or are counted as dropped.",
  write: { options: httpWriteOptions, create: createHttpSink },
  examples: [
    {
      // Empty input here: the registry test runs it without a server (nothing to send, nothing sent).
      title: 'POST JSON lines from stdin to an endpoint, 500 points per request, refused ones to a file.',
      program: "read('stdio') | write('http', url='http://127.0.0.1:8080/events', batch_size=500, errors='file:refused.jsonl')",
      input: '',
    },
  ],
});
