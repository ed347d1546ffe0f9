/**
 * `influxdb`: write points as line protocol to InfluxDB 1.x (`db=`) or
 * 2.x/3.x (`org=`, `bucket=`, `token=`), over plain HTTP (write.ts, line.ts).
 */
import { defineAdapter } from '../../runtime/defs.js';
import { batchOptions } from '../batched.js';
import { createInfluxSink } from './write.js';

export const influxdb = defineAdapter({
  name: 'influxdb',
  summary: 'InfluxDB: line protocol writes to 1.x (/write, db=) or 2.x/3.x (/api/v2/write, org=, bucket=, token=).',
  description:
    'Each point becomes one line: `measurement,tags fields time`. `measurement` is a name, or a field holding it (a point with ' +
    'that field as a string takes its value; the field is then not written). Without `tags=`, every string field is a tag; without ' +
    '`fields=`, every number and boolean is a field (nested objects flattened as `a.b`). A string is a field only when named in ' +
    '`fields=`; a point with no field is counted (`empty`). Numbers are written as floats (a field never changes type between points). ' +
    'Names and values are escaped as Telegraf does; newlines in tags become `\\n`, an empty tag value leaves the tag out.\n\n' +
    "With `db=` (1.x) the database is created first (`CREATE DATABASE`, as Telegraf does); with `org=`/`bucket=` the 2.x API is used, " +
    '`token=` is sent as `Authorization: Token`. Writing runs on the shared sink machinery (batch_size, batch_bytes, flush, buffer, ' +
    'retry_for, errors): a refused batch (400/422: a parse error or a field type conflict) is split until the refused lines are ' +
    "found; those go to `errors='file:…'` with the server's reason, the rest is written. 429, 5xx and connection errors are retried " +
    'for `retry_for`; 401/403 fail the run.',
  write: {
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8086', doc: 'The InfluxDB server (FLUME_INFLUXDB_URL).' },
      db: { type: 'string', nullable: true, doc: 'InfluxDB 1.x: the database (created when missing).' },
      org: { type: 'string', nullable: true, doc: 'InfluxDB 2.x/3.x: the organization (with bucket=).' },
      bucket: { type: 'string', nullable: true, doc: 'InfluxDB 2.x/3.x: the bucket (with org=).' },
      token: { type: 'string', nullable: true, doc: 'API token, sent as `Authorization: Token <token>` (2.x/3.x; 1.8+ takes `user:password`).' },
      measurement: { type: 'string', default: 'flume', doc: 'The measurement: a name, or a field holding it (e.g. measurement=kind).' },
      tags: { type: 'fields', nullable: true, doc: 'Fields written as tags (default: every string field).' },
      fields: { type: 'fields', nullable: true, doc: 'Fields written as fields (default: every number and boolean; strings only when named here).' },
      precision: { type: 'string', choices: ['ms', 's', 'us', 'ns'], default: 'ms', doc: 'Timestamp precision sent with each write.' },
      timeout: { type: 'duration', default: '30s', doc: 'How long one request may take before it counts as failed (and is retried).' },
      ...batchOptions({ batch_size: 5000 }),
    },
    create: createInfluxSink,
  },
  examples: [
    {
      title: 'Statspout in one line: container statistics into InfluxDB, one series per container.',
      program: "read('docker-stats', every='5s') | write('influxdb', db='statspout', measurement='docker')",
      needs: 'docker',
    },
    {
      title: 'Requests per minute and host into InfluxDB 2.x.',
      program: "read('stdio') | reduce(n=count(), every='1m', by=[host]) | write('influxdb', org='acme', bucket='web', token='secret', measurement='requests')",
      input: '',
    },
  ],
});
