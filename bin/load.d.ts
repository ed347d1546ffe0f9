import type { Script } from 'node:vm';

/** What the CLI bundle exports (src/cli/main.ts). */
export interface Cli {
  main(argv: string[]): Promise<void>;
}

export declare const bundlePath: string;
export declare const cachePath: string;

export declare function compileCli(options?: { useCache?: boolean; bundle?: string }): { cli: Cli; script: Script; id: string | undefined } | undefined;

export declare function loadCli(): Promise<Cli>;
