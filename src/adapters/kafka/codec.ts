/**
 * Record values ↔ points for the kafka adapter's formats: `json` (one JSON
 * object per record), `text` (the record as `{message}`), `avro` (see avro.ts).
 */
import type { Type } from 'avsc';
import type { Point } from '../../runtime/point.js';
import { stringifyPoint } from '../formats/jsonl.js';
import { textLine } from '../formats/text.js';
import { avroDecoder, avroEncoder } from './avro.js';

export type KafkaFormat = 'json' | 'text' | 'avro';

/** Why a record value is not a point, with its text (base64 for binary formats). */
export class Malformed {
  constructor(
    readonly error: string,
    readonly raw: string,
  ) {}
}

/** Decode one record value: a point, or why it is malformed. */
export type Decode = (value: Buffer) => Point | Malformed;
/** Encode one point: the value bytes, or a string saying why it cannot be. */
export type Encode = (p: Point) => Buffer | string;

function decodeJson(value: Buffer): Point | Malformed {
  const raw = value.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    return new Malformed((e as Error).message, raw);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return new Malformed('not a JSON object', raw);
  return v as Point;
}

export function makeDecoder(format: KafkaFormat, avro: Type | undefined, field: string): Decode {
  if (format === 'text') return (value) => ({ [field]: value.toString('utf8') });
  if (format === 'avro') {
    const dec = avroDecoder(avro!);
    return (value) => {
      try {
        return dec(value);
      } catch (e) {
        return new Malformed(`not Avro of the schema: ${(e as Error).message}`, value.toString('base64'));
      }
    };
  }
  return decodeJson;
}

export function makeEncoder(format: KafkaFormat, avro: Type | undefined, field: string): Encode {
  if (format === 'text') return (p) => Buffer.from(textLine(p, field));
  if (format === 'avro') {
    const enc = avroEncoder(avro!);
    return (p) => enc(p);
  }
  return (p) => Buffer.from(stringifyPoint(p));
}
