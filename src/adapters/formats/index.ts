/** The built-in formats, and the default format for a file name (SPEC §11.7). */
import { table } from './table.js';
import type { FormatDef } from './types.js';
import { jsonl } from './jsonl.js';
import { json } from './json.js';
import { csv } from './csv.js';
import { grok } from './grok.js';
import { text } from './text.js';
import { logfmt } from './logfmt.js';
import { kv } from './kv.js';

export const formats: readonly FormatDef[] = [jsonl, json, csv, grok, text, logfmt, kv, table];

const BY_EXTENSION: Record<string, string> = {
  csv: 'csv',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  log: 'text',
  txt: 'text',
};

/**
 * `.csv` → csv, `.json` → json, `.jsonl`/`.ndjson` → jsonl, `.log`/`.txt` →
 * text, anything else (stdin included) → jsonl. A `.gz` suffix is looked
 * through (`app.log.gz` is text). Extensions compare case-insensitively.
 */
export function formatForPath(path: string): string {
  let name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).toLowerCase();
  if (name.endsWith('.gz')) name = name.slice(0, -3);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return 'jsonl';
  return BY_EXTENSION[name.slice(dot + 1)] ?? 'jsonl';
}
