/** Tab completion for the REPL, from the component schemas. */
import type { Registry } from '../registry.js';

const COMMANDS = ['.help', '.explain', '.load', '.rc', '.exit'];

/** The innermost unclosed call before the cursor: `reduce(every='1m', ev` → 'reduce'. */
function enclosingCall(text: string): string | undefined {
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text[i];
    if (c === ')' || c === ']' || c === '}') depth++;
    else if (c === '(' || c === '[' || c === '{') {
      if (depth === 0) {
        if (c !== '(') return undefined;
        const m = /([A-Za-z_][\w.-]*)\s*$/.exec(text.slice(0, i));
        return m?.[1];
      }
      depth--;
    }
  }
  return undefined;
}

export function completer(reg: Registry, line: string): [string[], string] {
  if (line.startsWith('.')) {
    const [cmd, arg] = line.split(/\s+/, 2);
    if (arg === undefined) return [COMMANDS.filter((c) => c.startsWith(cmd!)), cmd!];
    if (cmd === '.help') {
      const names = helpNames(reg);
      return [names.filter((n) => n.startsWith(arg)), arg];
    }
    return [[], line];
  }
  const m = /([A-Za-z_][\w-]*)$/.exec(line);
  const word = m?.[1] ?? '';
  const before = line.slice(0, line.length - word.length);
  const call = enclosingCall(before);
  const candidates = new Set<string>();
  if (call) {
    const stage = reg.stage(call);
    let options = stage?.options ?? {};
    // read/write: the options come from the adapter named first, as the resolver sees them;
    // parse: from the format named by `format=`.
    const callText = line.slice(line.lastIndexOf(call));
    const from = stage?.kind === 'proc' ? stage.optionsFrom : undefined;
    const named = from === undefined ? undefined : new RegExp(`\\b${from}\\s*=\\s*['"]([\\w-]+)['"]`).exec(callText)?.[1];
    const first = named ?? /\(\s*['"]([\w-]+)['"]/.exec(callText)?.[1];
    if (stage?.optionsFor && first !== undefined) {
      const r = stage.optionsFor(first, reg.forRun(Date.now(), process.env).services);
      if ('options' in r) options = r.options;
    }
    for (const o of Object.keys(options)) if (o !== 'adapter') candidates.add(`${o}=`);
    for (const r of reg.listReducers()) candidates.add(`${r.name}(`);
  } else {
    for (const s of reg.listStages()) candidates.add(s.name);
    for (const a of reg.listAliases()) candidates.add(a);
  }
  if (/['"][\w-]*$/.test(line)) {
    const q = /['"]([\w-]*)$/.exec(line)!;
    const names = [...reg.listAdapters().map((a) => a.name), ...reg.listFormats().map((f) => f.name)];
    return [names.filter((n) => n.startsWith(q[1]!)), q[1]!];
  }
  return [[...candidates].filter((c) => c.startsWith(word)).sort(), word];
}

function helpNames(reg: Registry): string[] {
  return [
    ...reg.listStages().map((s) => s.name),
    ...reg.listReducers().map((r) => r.name),
    ...reg.listAdapters().map((a) => a.name),
    ...reg.listFormats().map((f) => f.name),
  ];
}
