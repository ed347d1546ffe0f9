/**
 * A Vega-Lite spec to a file: the spec itself (`.vl.json`), svg (compiled
 * with vega-lite, rendered headless by vega), png (that svg rasterised by
 * resvg, which needs no browser) or a self-contained html page (vega,
 * vega-lite and vega-embed inlined, so it opens offline). The libraries are
 * imported here, on first use only: programs without a chart never load them.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VegaLiteSpec } from './vegalite.js';

export type FileKind = 'vl.json' | 'html' | 'svg' | 'png';
export const FILE_KINDS: readonly FileKind[] = ['vl.json', 'html', 'svg', 'png'];

/** What a file name asks for, by extension; undefined when it is none of them. */
export function fileKind(file: string): FileKind | undefined {
  const f = file.toLowerCase();
  if (f.endsWith('.vl.json') || f.endsWith('.json')) return 'vl.json';
  if (f.endsWith('.html') || f.endsWith('.htm')) return 'html';
  if (f.endsWith('.svg')) return 'svg';
  if (f.endsWith('.png')) return 'png';
  return undefined;
}

/** Where vega's and vega-lite's warnings go (the sink's throttled warnings). */
export type Warn = (message: string) => void;

interface Logger {
  level(_?: number): number | Logger;
  error(...args: unknown[]): Logger;
  warn(...args: unknown[]): Logger;
  info(...args: unknown[]): Logger;
  debug(...args: unknown[]): Logger;
}

/** Vega's logger interface, forwarding warnings and errors instead of printing them to the console. */
function logger(warn: Warn): Logger {
  const l: Logger = {
    level: () => 2,
    error: (...a) => (warn(a.map(String).join(' ')), l),
    warn: (...a) => (warn(a.map(String).join(' ')), l),
    info: () => l,
    debug: () => l,
  };
  return l;
}

export function specJson(spec: VegaLiteSpec): string {
  return JSON.stringify(spec, null, 2) + '\n';
}

export async function renderSvg(spec: VegaLiteSpec, warn: Warn): Promise<string> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const log = logger(warn);
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0], { logger: log as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: log as never });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function renderPng(spec: VegaLiteSpec, warn: Warn): Promise<Buffer> {
  const svg = await renderSvg(spec, warn);
  const { Resvg } = await import('@resvg/resvg-js');
  // Vega asks for `sans-serif`; DejaVu Sans is on every Debian with fontconfig (resvg falls back when it is not).
  const png = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, sansSerifFamily: 'DejaVu Sans' } }).render().asPng();
  return png;
}

/** A package's browser build, found next to its module entry (the builds are not in the packages' exports). */
async function browserBuild(pkg: string, file: string): Promise<string> {
  const entry = fileURLToPath(import.meta.resolve(pkg));
  return readFile(join(dirname(entry), file), 'utf8');
}

function escapeScript(js: string): string {
  // Text inside <script> ends at the first `</script`; in JS `<\/` means the same.
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export async function renderHtml(spec: VegaLiteSpec, title: string): Promise<string> {
  const [vega, vegaLite, embed] = await Promise.all([
    browserBuild('vega', 'vega.min.js'),
    browserBuild('vega-lite', 'vega-lite.min.js'),
    browserBuild('vega-embed', 'vega-embed.min.js'),
  ]);
  const data = escapeScript(JSON.stringify(spec));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<script>${escapeScript(vega)}</script>
<script>${escapeScript(vegaLite)}</script>
<script>${escapeScript(embed)}</script>
</head>
<body>
<div id="chart"></div>
<script>
vegaEmbed('#chart', ${data}, { renderer: 'svg', actions: false }).catch(function (e) { console.error(e); });
</script>
</body>
</html>
`;
}

/** The bytes of the file for a spec. */
export async function renderFile(kind: FileKind, spec: VegaLiteSpec, title: string, warn: Warn): Promise<string | Buffer> {
  switch (kind) {
    case 'vl.json':
      return specJson(spec);
    case 'svg':
      return renderSvg(spec, warn);
    case 'png':
      return renderPng(spec, warn);
    case 'html':
      return renderHtml(spec, title);
  }
}
