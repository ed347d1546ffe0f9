/**
 * The Prometheus text exposition format (version 0.0.4): name and label
 * sanitising, label value escaping, sample values, and a table of the latest
 * value of each series rendered as one scrape body. No adapter or language
 * dependencies, so flume's own metrics can be exposed with it too.
 */

/** The Content-Type of a scrape answer in this format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'gauge' | 'counter' | 'untyped';

const METRIC_BAD = /[^a-zA-Z0-9_:]/g;
const LABEL_BAD = /[^a-zA-Z0-9_]/g;

/** A valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`; any other character becomes `_`, a leading digit gets a `_` before it. */
export function metricName(s: string): string {
  const n = s.replace(METRIC_BAD, '_');
  return n.length === 0 || (n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57) ? '_' + n : n;
}

/** A valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`, made the same way as {@link metricName}. */
export function labelName(s: string): string {
  const n = s.replace(LABEL_BAD, '_');
  return n.length === 0 || (n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57) ? '_' + n : n;
}

const VALUE_ESCAPES = /[\\"\n]/;

/** A label value between double quotes: backslash, double quote and line feed escaped. */
export function escapeLabelValue(s: string): string {
  if (!VALUE_ESCAPES.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as the format writes it (`NaN`, `+Inf`, `-Inf` for the non-finite ones). */
export function sampleValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

/** A `# HELP` text: backslash and line feed escaped. */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `{a="x",b="y"}` from sanitised names and raw values (`''` for no labels). */
export function labelSet(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return '';
  let s = '{';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) s += ',';
    s += names[i] + '="' + escapeLabelValue(values[i]!) + '"';
  }
  return s + '}';
}

/** One series' latest value and when it was set. */
interface Sample {
  value: number;
  at: number;
}

/**
 * The latest value of every series, grouped by metric so each family is
 * written once with its `# TYPE` line. Label sets are kept as their rendered
 * text: a scrape concatenates, it escapes nothing.
 */
export class SeriesTable {
  private readonly families = new Map<string, Map<string, Sample>>();
  /** Families whose type or help differ from the table's default. */
  private readonly described = new Map<string, { type: MetricType; help: string | undefined }>();
  private count = 0;

  constructor(readonly type: MetricType) {}

  /** Give a family its own type and a `# HELP` line (metrics of different kinds in one table). Forgotten when its last series expires. */
  describe(metric: string, type: MetricType, help?: string): void {
    this.described.set(metric, { type, help });
  }

  /** Number of series held. */
  get size(): number {
    return this.count;
  }

  /** Whether the series exists (so setting it would not add one). */
  has(metric: string, labels: string): boolean {
    return this.families.get(metric)?.has(labels) === true;
  }

  /**
   * Set a series to `value` at time `at`; `metric` is a valid name, `labels` a {@link labelSet}.
   * Returns true when the metric is new (or came back after expiring): the moment to {@link describe} it.
   */
  set(metric: string, labels: string, value: number, at: number): boolean {
    let family = this.families.get(metric);
    const added = family === undefined;
    if (family === undefined) this.families.set(metric, (family = new Map()));
    const s = family.get(labels);
    if (s === undefined) {
      family.set(labels, { value, at });
      this.count++;
    } else {
      s.value = value;
      s.at = at;
    }
    return added;
  }

  /** Remove the series last set before `before`; returns how many went. */
  expire(before: number): number {
    let gone = 0;
    for (const [metric, family] of this.families) {
      for (const [labels, s] of family) {
        if (s.at < before) {
          family.delete(labels);
          gone++;
        }
      }
      if (family.size === 0) {
        this.families.delete(metric);
        this.described.delete(metric);
      }
    }
    this.count -= gone;
    return gone;
  }

  /** The scrape body: every family's `# TYPE` line and samples, in the order they first appeared. */
  render(): string {
    const parts: string[] = [];
    for (const [metric, family] of this.families) {
      const d = this.described.get(metric);
      let s = d?.help === undefined ? '' : '# HELP ' + metric + ' ' + escapeHelp(d.help) + '\n';
      s += '# TYPE ' + metric + ' ' + (d?.type ?? this.type) + '\n';
      for (const [labels, sample] of family) s += metric + labels + ' ' + sampleValue(sample.value) + '\n';
      parts.push(s);
    }
    return parts.join('');
  }
}
