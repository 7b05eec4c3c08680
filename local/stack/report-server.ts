// The local stack's live report: `bulkpilot report`'s page on localhost, which fetches /report.json every few
// seconds and draws it anew, so the tasks of `npm run demo` move on the timeline as they run.
import { createServer, type Server } from 'node:http';
import type { BackendRegistry } from '../../lib/backends/registry.ts';
import { reportData } from '../../lib/cli/report-command.ts';
import { LogTailCache } from '../../lib/report/collect-report.ts';
import { renderReportHtml } from '../../lib/report/render-html.ts';
import type { ReportData } from '../../lib/report/report-model.ts';
import type { TaskStore } from '../../lib/store/task-store.ts';

export interface ReportServer {
  url: string;
  close(): Promise<void>;
}

/** Every task the stack has (the newest `maxTasks`), its page at `/`, its data at `/report.json`. */
export async function startReportServer(options: {
  store: Pick<TaskStore, 'listPage' | 'fullHistory'>;
  backends: BackendRegistry | { unavailable: string };
  port: number;
  intervalMs: number;
  maxTasks?: number;
  onError?: (error: unknown) => void;
}): Promise<ReportServer> {
  // The page asks every few seconds: an ended task's log tail is read once, not on each refresh.
  const logCache = new LogTailCache();
  const data = (): Promise<ReportData> =>
    reportData(options.store, options.backends, { filters: {}, maxTasks: options.maxTasks ?? 2_000, now: Date.now(), logCache });
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' || (path !== '/' && path !== '/report.json')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('the live report is at / (its data at /report.json)\n');
      return;
    }
    data().then(
      (report) => {
        const body = path === '/' ? renderReportHtml(report, { live: { url: '/report.json', intervalMs: options.intervalMs } }) : JSON.stringify(report);
        response.writeHead(200, { 'content-type': path === '/' ? 'text/html; charset=utf-8' : 'application/json', 'cache-control': 'no-store' }).end(body);
      },
      (error: unknown) => {
        options.onError?.(error);
        response
          .writeHead(503, { 'content-type': 'text/plain' })
          .end(`the tasks could not be read: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
