/**
 * Avro for Kafka records: plain Avro binary per record (no schema-registry
 * framing), through avsc. The schema is read and parsed as JSON at compile
 * time (so a missing file or bad JSON is a compile error); avsc itself is
 * loaded only when the run starts.
 */
import { formatIso } from '../../runtime/point.js';
import { existsSync, readFileSync } from 'node:fs';
import type { Type } from 'avsc';
import { compileError, runtimeError } from '../../lang/diagnostics.js';

/** The schema option as JSON: inline JSON text, or the path of a .avsc file. */
export function loadAvroSchema(schema: unknown): unknown {
  if (typeof schema !== 'string' || schema.trim() === '')
    throw compileError('bad-option', "format='avro' needs schema= (a .avsc file or inline JSON)", undefined, [
      `e.g. schema='event.avsc' or schema='{"type":"record","name":"E","fields":[{"name":"v","type":"long"}]}'`,
    ]);
  const text = schema.trim();
  const inline = text.startsWith('{') || text.startsWith('[') || text.startsWith('"');
  let json = text;
  if (!inline) {
    if (!existsSync(text)) throw compileError('bad-option', `no such Avro schema file: ${text}`);
    json = readFileSync(text, 'utf8');
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (e) {
    throw compileError('bad-option', `the Avro schema ${inline ? '' : `in ${text} `}is not JSON: ${(e as Error).message}`);
  }
}

/** An avsc type for the schema, loading avsc on first use. */
export async function avroType(schema: unknown): Promise<Type> {
  const mod = await import('avsc');
  // avsc is CommonJS: under ESM its exports may only be on `default`.
  const avsc: typeof mod.default = (mod.default as typeof mod.default | undefined) ?? mod;
  try {
    return avsc.Type.forSchema(schema as Parameters<typeof avsc.Type.forSchema>[0]);
  } catch (e) {
    throw runtimeError('bad-schema', `invalid Avro schema: ${(e as Error).message}`);
  }
}

interface AvroField {
  name: string;
  type: Type;
  defaultValue(): unknown;
}

/** Whether the record schema stores `time` as text (ISO 8601) rather than epoch milliseconds. */
function timeIsText(type: Type): boolean {
  const fields = (type as unknown as { fields?: AvroField[] }).fields ?? [];
  const t = fields.find((f) => f.name === 'time');
  if (t === undefined) return false;
  const name = t.type.typeName;
  if (name === 'string') return true;
  if (name === 'union:unwrapped' || name === 'union:wrapped') {
    const branches = (t.type as unknown as { types: Type[] }).types;
    return branches.some((b) => b.typeName === 'string') && !branches.some((b) => b.typeName === 'long' || b.typeName === 'double');
  }
  return false;
}

/**
 * Point → Avro record: the schema's top-level fields, filled from the point or
 * their defaults; `time` as epoch ms, or ISO text when the schema says string.
 * Returns the error message when the point does not fit the schema.
 */
export function avroEncoder(type: Type): (p: Record<string, unknown>) => Buffer | string {
  const fields = (type as unknown as { fields?: AvroField[] }).fields;
  const textTime = timeIsText(type);
  return (p) => {
    let rec: Record<string, unknown> = p;
    if (fields !== undefined) {
      rec = {};
      for (const f of fields) {
        let v = p[f.name];
        if (v === undefined) v = f.defaultValue();
        if (f.name === 'time' && typeof v === 'number' && textTime) v = formatIso(v);
        rec[f.name] = v;
      }
    }
    const bad: string[] = [];
    const ok = type.isValid(rec, { errorHook: (path, value) => bad.push(`${path.join('.') || '(record)'}=${JSON.stringify(value) ?? 'undefined'}`) });
    return ok ? type.toBuffer(rec) : `does not fit the Avro schema: ${bad.slice(0, 3).join(', ')}`;
  };
}

/** Avro record bytes → point (avsc decodes to plain objects; bytes fields stay Buffers). */
export function avroDecoder(type: Type): (buf: Buffer) => Record<string, unknown> {
  return (buf) => {
    const v = type.fromBuffer(buf) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return { value: v };
    // A plain object: avsc returns instances of a generated record class.
    return { ...(v as Record<string, unknown>) };
  };
}
