/**
 * Every adapter. Heavy clients (kafkajs, dockerode, the Elasticsearch client)
 * are imported inside `create`, so programs that do not use them never load them.
 */
import type { AdapterDef } from '../runtime/defs.js';
import { stdio } from './stdio.js';
import { dockerStats } from './docker-stats.js';
import { dockerLogs } from './docker-logs.js';
import { dockerEvents } from './docker-events.js';
import { host } from './host.js';
import { elastic } from './elastic/index.js';
import { kafka } from './kafka/index.js';
import { http } from './http/index.js';
import { influxdb } from './influxdb/index.js';
import { prometheus } from './prometheus/index.js';
import { mongodb } from './mongodb/index.js';
import { rest } from './rest.js';
import { tcp } from './net/tcp.js';
import { udp } from './net/udp.js';
import { syslog } from './net/syslog.js';

export const adapters: readonly AdapterDef[] = [stdio, dockerStats, dockerLogs, dockerEvents, host, elastic, kafka, http, tcp, udp, syslog, influxdb, prometheus, mongodb, rest];
