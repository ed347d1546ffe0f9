/**
 * The REPL: `flume` in a terminal. Entries may span lines (an unbalanced
 * bracket or a trailing `|` continues), history persists in ~/.flume_history,
 * Ctrl-C stops the running pipeline, errors never exit.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as readline from 'node:readline';
import { compile, type Pipeline } from '../compile.js';
import { FlumeError, renderDiagnostic } from '../lang/diagnostics.js';
import { isIncomplete } from '../lang/parse.js';
import type { Registry } from '../registry.js';
import { SystemClock } from '../runtime/clock.js';
import { parseMoment } from '../runtime/time.js';
import { helpFor, overview } from './help.js';
import { explain } from './explain.js';
import { renderSummary } from './summary.js';
import { completer } from './complete.js';
import type { CliOptions } from './main.js';
import { loadRegistry } from './main.js';

const PROMPT = 'flume> ';
const CONTINUE = '  ...> ';

export function historyFile(): string {
  return process.env['FLUME_HISTORY'] ?? join(homedir(), '.flume_history');
}

/** History entries are stored one per line, newlines inside an entry escaped, so multi-line entries recall whole. */
function loadHistory(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'))
    .reverse()
    .slice(0, 1000);
}

function saveHistory(file: string, entry: string): void {
  try {
    appendFileSync(file, entry.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') + '\n');
  } catch {
    // History is a convenience: an unwritable home must not break the REPL.
  }
}

export async function startRepl(opts: CliOptions): Promise<void> {
  let reg: Registry = await loadRegistry(opts).catch((e: unknown) => {
    process.stderr.write((e instanceof FlumeError ? renderDiagnostic(e.diagnostic) : String(e)) + '\n');
    return loadRegistry({ rc: false });
  });
  const hist = historyFile();
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    history: loadHistory(hist),
    historySize: 1000,
    completer: (line: string) => completer(reg, line),
    prompt: PROMPT,
  });
  let buffer = '';
  let running: Pipeline | undefined;
  let lastInterrupt = 0;

  const print = (s: string): void => {
    process.stdout.write(s.endsWith('\n') ? s : s + '\n');
  };

  const runEntry = async (text: string): Promise<void> => {
    const now = opts.now !== undefined ? parseMoment(opts.now, { now: Date.now() }) : undefined;
    const clock = now !== undefined ? SystemClock.startingAt(now) : new SystemClock();
    const implicit = opts.implicitSink === undefined ? "write('stdio', format='table')" : opts.implicitSink === 'none' ? null : opts.implicitSink;
    try {
      const pipeline = compile(text, reg, { file: '<repl>', clock, now, implicitSink: reg.format('table') ? implicit : opts.implicitSink ?? undefined });
      running = pipeline;
      const summary = await pipeline.run();
      const report = renderSummary(summary, { stats: opts.stats === true, quiet: opts.quiet === true });
      if (report) process.stderr.write(report + '\n');
    } catch (e) {
      process.stderr.write((e instanceof FlumeError ? renderDiagnostic(e.diagnostic, text, '<repl>') : `error: ${(e as Error).message}`) + '\n');
    } finally {
      running = undefined;
    }
  };

  const command = async (line: string): Promise<boolean> => {
    const [cmd, ...rest] = line.trim().split(/\s+/);
    const arg = line.trim().slice(cmd!.length).trim();
    switch (cmd) {
      case '.exit':
        return false;
      case '.help': {
        if (!rest.length) print(overview(reg) + '\n\nREPL commands: .help [name] .explain <program> .load <file> .rc .exit');
        else {
          const h = helpFor(reg, rest[0]!);
          print('text' in h ? h.text : h.error);
        }
        return true;
      }
      case '.explain':
        try {
          print(explain(compile(arg, reg, { file: '<repl>' }).plan, reg));
        } catch (e) {
          print(e instanceof FlumeError ? renderDiagnostic(e.diagnostic, arg, '<repl>') : String(e));
        }
        return true;
      case '.load': {
        let text: string;
        try {
          text = readFileSync(arg, 'utf8');
        } catch (e) {
          print(`cannot read ${arg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
          return true;
        }
        await runEntry(text);
        return true;
      }
      case '.rc':
        try {
          reg = await loadRegistry(opts);
          print('reloaded .flumerc.ts');
        } catch (e) {
          print(e instanceof FlumeError ? renderDiagnostic(e.diagnostic) : String(e));
        }
        return true;
      default:
        print(`unknown command ${cmd}; try .help`);
        return true;
    }
  };

  rl.on('SIGINT', () => {
    if (running) {
      running.stop();
      return;
    }
    if (buffer) {
      buffer = '';
      process.stdout.write('\n');
      rl.setPrompt(PROMPT);
      rl.prompt();
      return;
    }
    const t = Date.now();
    if (t - lastInterrupt < 2000) {
      rl.close();
      return;
    }
    lastInterrupt = t;
    process.stdout.write('\n(press Ctrl-C again or Ctrl-D to exit)\n');
    rl.prompt();
  });

  rl.prompt();
  for await (const line of rl) {
    buffer = buffer ? `${buffer}\n${line}` : line;
    if (isIncomplete(buffer)) {
      rl.setPrompt(CONTINUE);
      rl.prompt();
      continue;
    }
    const entry = buffer.trim();
    buffer = '';
    rl.setPrompt(PROMPT);
    if (entry) {
      if (entry !== '.exit') saveHistory(hist, entry);
      const history = (rl as unknown as { history: string[] }).history;
      // readline stored the last physical line; keep the whole entry instead.
      if (entry.includes('\n') && Array.isArray(history)) {
        const lines = entry.split('\n').length;
        history.splice(0, lines, entry);
      }
      // readline keeps reading while a program runs, so Ctrl-C reaches the SIGINT handler.
      const keep = entry.startsWith('.') ? await command(entry) : (await runEntry(entry), true);
      if (!keep) break;
    }
    rl.prompt();
  }
  rl.close();
}
