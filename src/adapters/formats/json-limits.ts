/**
 * What JSON.parse accepts but flume must not: values nested deeper than
 * MAX_DEPTH (writing or grouping them would overflow the stack) and numbers
 * beyond a double's range (`1e400` parses as Infinity, is written as null and
 * breaks max). Both are checked from the text first, so ordinary lines pay a
 * length test and one regular-expression search at most.
 */

/** Deepest nesting of arrays and objects read; deeper values are malformed. */
export const MAX_DEPTH = 512;

/** A number text that may overflow a double: an exponent of three or more digits, or 309 digits in a row. */
const BIG_NUMBER = /[eE][+]?\d{3}|\d{309}/;

/** Why the JSON value parsed from `text` must not be read, or undefined when it may. */
export function jsonProblem(text: string, value: unknown): string | undefined {
  // Each level takes at least two characters (`[]`), so a short text cannot be too deep.
  if (text.length > 2 * MAX_DEPTH && nestedTooDeep(text)) return `nested deeper than ${MAX_DEPTH} levels`;
  if (BIG_NUMBER.test(text) && hasNonFinite(value, 0)) return 'a number out of range (beyond ±1.8e308)';
  return undefined;
}

/** Whether a JSON text may hold a value jsonProblem refuses (to leave it to a path that checks). */
export function mayHaveJsonProblem(text: string, longestLine: number): boolean {
  return longestLine > 2 * MAX_DEPTH || BIG_NUMBER.test(text);
}

/** Brackets outside strings, deepest level reached beyond MAX_DEPTH. */
export function nestedTooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > MAX_DEPTH) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

function hasNonFinite(v: unknown, depth: number): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return false;
  if (Array.isArray(v)) return v.some((x) => hasNonFinite(x, depth + 1));
  for (const k in v as Record<string, unknown>) if (hasNonFinite((v as Record<string, unknown>)[k], depth + 1)) return true;
  return false;
}
