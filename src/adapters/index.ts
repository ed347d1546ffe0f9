/**
 * Every adapter. Heavy clients (kafkajs, dockerode, the Elasticsearch client)
 * are imported inside `create`, so programs that do not use them never load them.
 */
import type { AdapterDef } from '../runtime/defs.js';
import { stdio } from './stdio.js';
import { kafka } from './kafka/index.js';

export const adapters: readonly AdapterDef[] = [stdio, kafka];
