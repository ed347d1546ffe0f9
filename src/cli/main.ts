/**
 * The `flume` command: one-liners, program files, `flume help`, and the REPL
 * when started in a terminal with no program.
 */
import { fstatSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { compile, type Pipeline, type RunSummary } from '../compile.js';
import { FlumeError, renderDiagnostic } from '../lang/diagnostics.js';
import { Registry } from '../registry.js';
import { SystemClock } from '../runtime/clock.js';
import { parseMoment } from '../runtime/time.js';
import { formatIso } from '../runtime/point.js';
import { helpFor, overview } from './help.js';
import { defaultRcFiles, loadRc } from './rc.js';
import { explain } from './explain.js';
import { renderSummary } from './summary.js';

export const VERSION = '0.1.0';

export interface CliOptions {
  file?: string;
  debug?: boolean;
  implicitSink?: string;
  rc?: string | false;
  explain?: boolean;
  stats?: boolean;
  quiet?: boolean;
  now?: string;
}

function fail(text: string, code: number): never {
  process.stderr.write(text + '\n');
  process.exit(code);
}

/** Registry with the rc files loaded (an explicit --rc replaces the default files). */
export async function loadRegistry(opts: Pick<CliOptions, 'rc'>): Promise<Registry> {
  const reg = Registry.builtin();
  if (opts.rc === false) return reg;
  // A relative --rc path is relative to the current directory (not to this module).
  const files = typeof opts.rc === 'string' ? [resolve(opts.rc)] : defaultRcFiles();
  await loadRc(reg, files);
  return reg;
}

function fixedNow(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseMoment(text, { now: Date.now() });
  if (ms === undefined) fail(renderDiagnostic({ code: 'bad-now', message: `--now: not a moment: ${text}`, hints: ["e.g. --now 2016-01-01T00:00:00Z or --now '1 day ago'"] }), 2);
  return ms;
}

/**
 * `cat x | flume "filter(...)"` and `flume "..." < x`: a shell pipe or a
 * redirected file. Sockets (how most programs spawn children), terminals
 * and /dev/null do not count, so a source-less program there is an error.
 */
function stdinIsPiped(): boolean {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isFile();
  } catch {
    return false;
  }
}

function implicitSink(opt: string | undefined): string | null | undefined {
  if (opt === undefined) return undefined;
  return opt === 'none' ? null : opt;
}

async function runProgram(text: string, file: string, opts: CliOptions): Promise<void> {
  let reg: Registry;
  try {
    reg = await loadRegistry(opts);
  } catch (e) {
    fail(e instanceof FlumeError ? renderDiagnostic(e.diagnostic) : String(e), 2);
  }
  const now = fixedNow(opts.now);
  const clock = now !== undefined ? SystemClock.startingAt(now) : new SystemClock();
  let pipeline: Pipeline;
  try {
    pipeline = compile(text, reg, { file, implicitSink: implicitSink(opts.implicitSink), now, clock, implicitSource: stdinIsPiped() ? "read('stdio')" : undefined });
  } catch (e) {
    fail(render(e, text, file, opts), e instanceof FlumeError ? e.exitCode : 1);
  }
  if (opts.explain) {
    process.stdout.write(explain(pipeline.plan, reg) + '\n');
    return;
  }
  let signalled: number | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled !== undefined) process.exit(signalled);
    signalled = sig === 'SIGINT' ? 130 : 143;
    if (opts.debug) process.stderr.write(`flume: ${sig}: draining (again to abort)\n`);
    pipeline.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `flume ... | head -1`: the stdio sinks writing to stdout see EPIPE and end only their branches
  // (other branches complete); this listener only keeps a late EPIPE from being an uncaught error.
  process.stdout.on('error', () => undefined);
  let summary: RunSummary;
  try {
    summary = await pipeline.run();
  } catch (e) {
    fail(render(e, text, file, opts), e instanceof FlumeError ? e.exitCode : 1);
  }
  const report = renderSummary(summary, { stats: opts.stats === true, quiet: opts.quiet === true });
  if (report) process.stderr.write(report + '\n');
  if (opts.debug) process.stderr.write(`flume: finished in ${summary.durationMs} ms at ${formatIso(Date.now())}\n`);
  // A source may still be blocked on input nobody wants (head on an open stdin): exit once output is flushed.
  const code = signalled ?? 0;
  process.stdout.write('', () => process.exit(code));
}

/** `flume test [--rc file | --no-rc] <files…>`: users' pipeline tests (SPEC §17.2), with their rc aliases. */
async function testCommand(args: string[]): Promise<void> {
  const files: string[] = [];
  let rc: string | false | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--no-rc') rc = false;
    else if (a === '--rc' && i + 1 < args.length) rc = args[++i]!;
    else if (a.startsWith('-')) fail(`flume test: unknown option ${a} (usage: flume test [--rc file | --no-rc] <files…>)`, 2);
    else files.push(a);
  }
  if (files.length === 0) fail('flume test: name the test files (usage: flume test [--rc file | --no-rc] <files…>)', 2);
  let reg: Registry;
  try {
    reg = await loadRegistry({ rc });
  } catch (e) {
    fail(e instanceof FlumeError ? renderDiagnostic(e.diagnostic) : String(e), 2);
  }
  const { runTestFiles } = await import('./spec.js');
  const code = await runTestFiles(files, reg, (line) => process.stdout.write(line + '\n'));
  process.stdout.write('', () => process.exit(code));
}

function render(e: unknown, text: string, file: string, opts: CliOptions): string {
  if (e instanceof FlumeError) return renderDiagnostic(e.diagnostic, text, file);
  const err = e as Error;
  const base = renderDiagnostic({ code: 'internal', message: err?.message ?? String(e), hints: ['this is a bug in flume; run with --debug for the stack'] });
  return opts.debug && err?.stack ? `${base}\n${err.stack}` : base;
}

/**
 * `flume help [name]`, also after rc options (`flume --rc my.ts help syslog`,
 * so an rc-defined name is documented): the index of `help`, or -1.
 */
function helpIndex(argv: string[]): number {
  let i = 2;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--rc') i += 2;
    else if (a === '--no-rc' || a.startsWith('--rc=')) i += 1;
    else break;
  }
  return argv[i] === 'help' ? i : -1;
}

/** The rc choice among `flume [--rc file | --no-rc] help ...` arguments. */
function helpRc(argv: string[]): string | false | undefined {
  let rc: string | false | undefined;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--no-rc') rc = false;
    else if (a === '--rc' && argv[i + 1] !== undefined) rc = argv[++i]!;
    else if (a.startsWith('--rc=')) rc = a.slice('--rc='.length);
  }
  return rc;
}

export async function main(argv: string[]): Promise<void> {
  if (argv[2] === 'test') return testCommand(argv.slice(3));
  const help = helpIndex(argv);
  if (help >= 0) {
    const rc = helpRc(argv);
    let reg: Registry;
    try {
      reg = await loadRegistry({ rc });
    } catch (e) {
      // An explicit --rc that fails is an error; a broken default rc file still lets help work.
      if (typeof rc === 'string') fail(e instanceof FlumeError ? renderDiagnostic(e.diagnostic) : String(e), 2);
      reg = Registry.builtin();
    }
    const name = argv.slice(help + 1).find((a) => !a.startsWith('--'));
    if (!name) {
      process.stdout.write(overview(reg) + '\n');
      return;
    }
    const h = helpFor(reg, name);
    if ('error' in h) fail(`flume: ${h.error}`, 2);
    process.stdout.write(h.text + '\n');
    return;
  }
  const cmd = new Command('flume')
    .description('A pipe-syntax stream query language: flume "emit(limit=3) | put(n=count())"')
    .argument('[program]', 'the program to run')
    .option('-f, --file <file>', 'run the program in this file')
    .option('-d, --debug', 'print stack traces and timings')
    .option('--implicit-sink <program>', "sink added to pipelines without one (default write('stdio'); 'none' discards)")
    .option('--rc <file>', 'load this rc file instead of ~/.flumerc.ts and ./.flumerc.ts')
    .option('--no-rc', 'load no rc file')
    .option('--explain', 'print the compiled graph and exit')
    .option('--stats', 'print per-stage counters at end of run')
    .option('-q, --quiet', 'hide the end-of-run drop summary')
    .option('--now <moment>', 'fix :now: (reproducible runs); live points are paced from it')
    .addOption(new Option('-v, --version', 'print the version').default(false))
    .addHelpText('after', () => `\nflume help          lists sources, processors, sinks, reducers, adapters and formats\nflume help <name>   documents one of them\nflume test <files>  runs pipeline tests written in markdown (see the README)\n\nEnvironment: FLUME_<ADAPTER>_<OPTION> sets adapter option defaults (FLUME_READ_... / FLUME_WRITE_... for one side; destinations such as a written file, topic or index only from FLUME_WRITE_...); FLUME_PROGRAM or FLUME_PROGRAM_FILE give the program when none is on the command line.`)
    .showSuggestionAfterError(true);
  cmd.parse(argv);
  const opts = cmd.opts<CliOptions & { version: boolean }>();
  if (opts.version) {
    process.stdout.write(`flume ${VERSION}\n`);
    return;
  }
  let text = cmd.args[0];
  let file = '<program>';
  if (opts.file !== undefined && text !== undefined) {
    fail(
      renderDiagnostic({
        code: 'bad-arguments',
        message: `both a program argument and -f ${opts.file} were given`,
        hints: ['run either flume "<program>" or flume -f file.flume, not both'],
      }),
      2,
    );
  }
  if (opts.file !== undefined) {
    file = opts.file;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (e) {
      fail(renderDiagnostic({ code: 'no-file', message: `cannot read program file ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, hints: [] }), 2);
    }
  }
  if (text === undefined && process.env['FLUME_PROGRAM']) text = process.env['FLUME_PROGRAM'];
  if (text === undefined && process.env['FLUME_PROGRAM_FILE']) {
    file = process.env['FLUME_PROGRAM_FILE'];
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      fail(renderDiagnostic({ code: 'no-file', message: `cannot read FLUME_PROGRAM_FILE ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, hints: [] }), 2);
    }
  }
  if (text === undefined) {
    if (process.stdin.isTTY && process.stdout.isTTY) {
      const { startRepl } = await import('./repl.js');
      await startRepl(opts);
      return;
    }
    cmd.outputHelp({ error: true });
    process.exit(2);
  }
  await runProgram(text, file, opts);
}
