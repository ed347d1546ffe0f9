/** Types for tdigest@0.1.3 (welch/tdigest), which ships none: only what flume uses. */
declare module 'tdigest' {
  namespace tdigest {
    interface Centroid {
      mean: number;
      n: number;
    }
    class TDigest {
      /** `delta` is the largest fraction of the mass one centroid may hold (compression δ = 1/delta). */
      constructor(delta?: number | false, K?: number, CX?: number);
      n: number;
      compressing?: boolean;
      push(x: number | number[], n?: number): void;
      push_centroid(c: Centroid | Centroid[]): void;
      percentile(p: number): number | undefined;
      toArray(everything?: boolean): Centroid[];
      size(): number;
      reset(): void;
      compress(): void;
      _cumulate(exact: boolean): void;
    }
  }
  export = tdigest;
}
