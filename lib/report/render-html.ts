import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ReportData } from './report-model.ts';

/**
 * The report as one self-contained HTML page: ECharts (from node_modules, minified), the page's own script
 * (report-page.js) and its styles inlined, the data embedded as JSON. It opens from a file with no network;
 * with `live`, the page fetches the data again from that URL every `intervalMs` and draws it anew.
 */
export interface RenderOptions {
  live?: { url: string; intervalMs: number };
}

let scripts: { echarts: string; page: string } | undefined;

function inlinedScripts(): { echarts: string; page: string } {
  scripts ??= {
    echarts: readFileSync(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'), 'utf8'),
    page: readFileSync(new URL('./report-page.js', import.meta.url), 'utf8'),
  };
  return scripts;
}

/** JSON that can sit inside a <script> element: no `</script>`, no `<!--`, whatever the task data holds. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A script's text inside <script>: a library's `</script` would end the element early. */
function scriptText(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1');
}

export function renderReportHtml(data: ReportData, options: RenderOptions = {}): string {
  const { echarts, page } = inlinedScripts();
  const config = { live: options.live ?? null };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bulkpilot report</title>
<style>${styles}</style>
</head>
<body>
<header>
  <h1>bulkpilot report</h1>
  <p id="generated"></p>
  <p id="live-status" class="note"></p>
</header>
<section id="summary" aria-label="summary"></section>
<h2>timeline <span class="note">(per target; a bar from accepted to end, coloured by outcome; click a bar for the task)</span></h2>
<div id="legend"></div>
<div id="timeline" role="img" aria-label="timeline of the tasks per target"></div>
<h2>tasks</h2>
<section id="tasks"></section>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script type="application/json" id="report-config">${scriptJson(config)}</script>
<script>${scriptText(echarts)}</script>
<script>${scriptText(page)}</script>
</body>
</html>
`;
}

const styles = `
body { font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 24px 40px; color: #1d2330; background: #fafbfc; }
h1 { font-size: 20px; margin: 18px 0 2px; }
h2 { font-size: 16px; margin: 22px 0 6px; }
h4 { margin: 10px 0 4px; font-size: 13px; }
.note { color: #667085; font-size: 12px; font-weight: normal; }
#generated { margin: 0; color: #475467; }
#summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; }
.figure { background: #fff; border: 1px solid #e4e7ec; border-radius: 6px; padding: 8px 10px; }
.figure .label { color: #667085; font-size: 12px; }
.figure .value { font-size: 17px; font-weight: 600; }
.figure.states { grid-column: span 2; }
.figure.states .value, [data-figure^="cost"] .value { font-size: 13px; font-weight: 500; }
.chip { display: inline-block; margin: 2px 4px 2px 0; padding: 1px 6px; border-radius: 9px; background: #eef2f6; font-size: 12px; }
#legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: #475467; margin-bottom: 4px; }
#legend .swatch { display: inline-block; width: 12px; height: 10px; margin-right: 4px; border-radius: 2px; vertical-align: -1px; }
#legend .swatch.edge { background: #3b7dd8; border-left: 3px solid #fff; box-shadow: 0 0 0 1px #d0d5dd; }
#timeline { width: 100%; background: #fff; border: 1px solid #e4e7ec; border-radius: 6px; }
details.task { background: #fff; border: 1px solid #e4e7ec; border-radius: 6px; margin: 4px 0; padding: 4px 10px; }
details.task summary { cursor: pointer; display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
details.task .dot { width: 10px; height: 10px; border-radius: 50%; display: inline-block; }
details.task .target { font-weight: 600; min-width: 60px; }
details.task .id { font-family: ui-monospace, monospace; font-size: 12px; }
details.task dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
details.task dt { color: #667085; }
details.task dd { margin: 0; word-break: break-word; }
table.history { border-collapse: collapse; font-size: 12px; }
table.history td, table.history th { border-bottom: 1px solid #eef2f6; padding: 2px 8px 2px 0; text-align: left; vertical-align: top; }
.log pre { background: #101828; color: #e4e7ec; padding: 8px; border-radius: 4px; overflow-x: auto; font-size: 12px; max-height: 320px; }
`;
