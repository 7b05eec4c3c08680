// `bulkpilot report` on DynamoDB Local, opened in a real browser (Debian's Chromium through playwright-core):
// tasks written through the store as the functions write them (one with history pages), the page's
// timeline bars per target and their outcome colours, the summary's figures and a task's detail checked
// against the store, a screenshot saved; and the page drawn with every request but its own refused.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportData } from '../../lib/report/report-model.ts';
import { DynamoDbTaskStore } from '../../lib/store/dynamodb-task-store.ts';
import type { TaskState } from '../../lib/task/states.ts';
import { newTask, type Task, type TaskPolicy, taskIdFor, transition } from '../../lib/task/task.ts';
import { startReportServer } from '../../local/stack/report-server.ts';
import { runCliCaptured } from '../support/cli.ts';
import { createTestAws, type TestAws } from '../support/stack.ts';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
if (!hasChromium) console.warn(`report-browser.test.ts: skipped, ${chromiumPath} is missing (apt-get install -y chromium; .ci/run installs it)`);

// A small history limit, so the long-lived task's early entries live in history pages.
const policy: TaskPolicy = { historyLimit: 6, shards: 4, retentionDays: 30 };
const now = Date.now();
const t0 = now - 40 * 60_000;
const s = 1_000;
const outcomeOf: Partial<Record<TaskState, string>> = {
  SUCCEEDED: 'succeeded',
  FAILED_FINAL: 'failed',
  ABORTED: 'aborted',
  REJECTED: 'rejected',
  RUNNING: 'active',
};

let aws: TestAws;
let store: DynamoDbTaskStore;
let browser: Browser;
let dir: string;
const written: Task[] = [];

/** A task written as the functions write it: created, then each transition a conditional replace. */
async function live(id: string, target: string, startS: number, steps: Array<[TaskState, number, Partial<Task>?]>, extra: Partial<Task> = {}) {
  let task = newTask(
    {
      taskId: taskIdFor(`report-${id}`),
      requestId: `report-${id}`,
      requestIdSource: 'client',
      target,
      backend: `${target}-backend`,
      state: 'ACCEPTED',
      createdAt: t0 + startS * s,
      summary: { source: `s3://landing/${id}.csv`, destination: `${target}:table_${id}` },
    },
    'accepted from the import queue',
    policy,
  );
  await store.createIfAbsent(task);
  for (const [to, atS, changes] of steps) {
    task = transition(task, { to, reason: `backend reports ${to}`, now: t0 + (startS + atS) * s, policy, changes: { ...changes }, by: 'operator' });
    await store.replace(task);
  }
  if (Object.keys(extra).length) {
    task = { ...task, ...extra, version: task.version + 1 };
    await store.replace(task);
  }
  written.push((await store.get(task.taskId))!);
}

const job = (id: string) => ({ remote: { jobId: id }, remoteId: id });
const cost = { readUnits: 4, writeUnits: 6, backendCalls: 5, lambdaMs: 420 };

beforeAll(async () => {
  aws = await createTestAws();
  // The SDK reads its region and endpoints from the process, as in a shell.
  Object.assign(process.env, aws.env);
  store = new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName });
  await live(
    'ld-1',
    'lindorm',
    0,
    [
      ['SUBMITTED', 2, { ...job('proc-1'), attempt: 1 }],
      ['RUNNING', 10],
      ['SUCCEEDED', 300],
    ],
    { cost },
  );
  await live('ld-2', 'lindorm', 60, [
    ['WAITING', 1],
    ['ACCEPTED', 200],
    ['SUBMITTED', 201, { ...job('proc-2'), attempt: 1 }],
    ['RUNNING', 205, { progress: 0.4 }],
  ]);
  // Three failed runs and retries, then a success: 14 transitions, past the item's 6.
  const retried: Array<[TaskState, number, Partial<Task>?]> = [['SUBMITTED', 2, { ...job('77'), attempt: 1 }]];
  for (let r = 0; r < 3; r++) retried.push(['RUNNING', 10 + r * 100], ['FAILED', 60 + r * 100], ['RETRY_WAIT', 61 + r * 100]);
  retried.push(['RUNNING', 400, { attempt: 4, progress: 1 }], ['SUCCEEDED', 500, { remoteEndedAt: t0 + (30 + 497) * s }]);
  await live('lk-1', 'linkis', 30, retried, { cost });
  await live('lk-2', 'linkis', 40, [
    ['SUBMITTED', 2, { ...job('78'), attempt: 1 }],
    ['RUNNING', 5],
    ['FAILED', 90, { error: { reason: 'Table not found', source: 'backend', at: t0 } }],
    ['FAILED_FINAL', 91],
  ]);
  await live('cdm-1', 'cdm', 100, [
    ['SUBMITTED', 2, { ...job('es_css/1'), attempt: 1 }],
    ['RUNNING', 30],
    ['ABORTED', 200],
  ]);
  await live('cdm-2', 'cdm', 120, [['REJECTED', 1, { error: { field: 'jobs[0].name', reason: 'is required', source: 'validation', at: t0 } }]]);
  // Accepted before the window: left out by --since.
  await live('old', 'lindorm', -7200, [
    ['SUBMITTED', 1, job('proc-0')],
    ['SUCCEEDED', 60],
  ]);
  // Playwright gives each launch a fresh profile directory of its own (it refuses --user-data-dir here).
  if (hasChromium) {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }
  dir = mkdtempSync(join(tmpdir(), 'bulkpilot-report-'));
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// No targets file: the lindorm target from BDS_MASTER_URL alone, whose backend keeps no log to read.
const cli = (args: string[]) => runCliCaptured(args, { env: { ...aws.env, BDS_MASTER_URL: 'http://127.0.0.1:9' }, now: () => now });
const inWindow = () => written.filter((t) => t.requestId !== 'report-old');

/** Opens the page with every request refused but the page's own; returns the page and what it asked for. */
async function openOffline(html: string, name: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const file = join(dir, name);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**', (route) => {
    requests.push(route.request().url());
    return route.request().url() === url ? route.continue() : route.abort();
  });
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as unknown as { bulkpilotReport?: { updates: number } }).bulkpilotReport?.updates === 1, undefined, {
    timeout: 10_000,
  });
  return { page, requests, errors };
}

describe('bulkpilot report --json', () => {
  it('has every task of the window and none before it, with its whole history (history pages too)', async () => {
    const run = await cli(['report', '--since', '1h', '--json']);
    expect(run.code, run.err).toBe(0);
    const data = JSON.parse(run.out) as ReportData;
    expect(data.tasks.map((t) => t.taskId).sort()).toEqual(
      inWindow()
        .map((t) => t.taskId)
        .sort(),
    );
    const retried = data.tasks.find((t) => t.requestId === 'report-lk-1')!;
    const stored = written.find((t) => t.requestId === 'report-lk-1')!;
    expect(stored.historyDropped).toBeGreaterThan(0);
    expect(retried.history).toEqual(await store.fullHistory(stored));
    expect(retried).toMatchObject({ attempts: 4, retries: 3, detectionDelayMs: 3 * s, runMs: 498 * s, remoteId: '77' });
    expect(data.summary.byState).toEqual({ SUCCEEDED: 2, RUNNING: 1, FAILED_FINAL: 1, ABORTED: 1, REJECTED: 1 });
  });

  it('filters by target and state, and names a bad flag', async () => {
    const data = JSON.parse((await cli(['report', '--since', '1h', '--target', 'linkis', '--state', 'FAILED_FINAL', '--json'])).out) as ReportData;
    expect(data.tasks.map((t) => t.requestId)).toEqual(['report-lk-2']);
    const bad = await cli(['report', '--since', 'last tuesday']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^bulkpilot report: --since: "last tuesday" is neither an age/);
  });
});

describe.skipIf(!hasChromium)(`the page in Chromium${hasChromium ? '' : ` (skipped: ${chromiumPath} is missing)`}`, () => {
  it("draws each task's bars per target in its outcome's colour, the summary's figures and a task's detail as the store has them", async () => {
    const run = await cli(['report', '--since', '1h']);
    expect(run.code, run.err).toBe(0);
    const { page, requests, errors } = await openOffline(run.out, 'report.html');
    expect(errors).toEqual([]);
    expect(requests).toHaveLength(1);

    // The chart's own data: the bars of each task, on its target's rows.
    const bars = await page.evaluate(() => {
      const r = (
        globalThis as unknown as { bulkpilotReport: { chart: { getOption(): { series: Array<{ data: unknown[] }>; yAxis: Array<{ data: string[] }> } } } }
      ).bulkpilotReport;
      const option = r.chart.getOption();
      return {
        rows: option.yAxis[0]!.data,
        items: (option.series[0]!.data as Array<{ name: string; value: number[]; itemStyle: { color: string } }>).map((d) => ({
          task: d.name,
          row: d.value[0]!,
          colour: d.itemStyle.color,
        })),
      };
    });
    const colours = await page.evaluate(
      () => (globalThis as unknown as { bulkpilotReport: { outcomeColours: Record<string, string> } }).bulkpilotReport.outcomeColours,
    );
    const expected = inWindow();
    for (const target of ['lindorm', 'linkis', 'cdm']) {
      const tasks = new Set(bars.items.filter((b) => bars.rows[b.row]!.startsWith(target)).map((b) => b.task));
      expect([...tasks].sort(), target).toEqual(
        expected
          .filter((t) => t.target === target)
          .map((t) => t.taskId)
          .sort(),
      );
    }
    for (const task of expected) {
      const own = bars.items.filter((b) => b.task === task.taskId).map((b) => b.colour);
      expect(own, task.requestId).toContain(colours[outcomeOf[task.state]!]);
    }
    // And drawn: the SVG holds shapes of each outcome's colour.
    const fills = await page.evaluate(() =>
      [
        ...(
          globalThis as unknown as { document: { querySelectorAll(q: string): Iterable<{ getAttribute(n: string): string | null }> } }
        ).document.querySelectorAll('#timeline svg path'),
      ].map((p) => p.getAttribute('fill')),
    );
    for (const outcome of ['succeeded', 'failed', 'aborted', 'rejected', 'active']) expect(fills, outcome).toContain(colours[outcome]);
    const attempts = bars.items.filter((b) => b.task === taskIdFor('report-lk-1')).length;
    expect(attempts).toBeGreaterThanOrEqual(1 + 3 * 3 + 1);

    // The summary.
    const figure = (key: string) => page.locator(`[data-figure="${key}"] .value`).innerText();
    expect(await figure('tasks')).toBe(String(expected.length));
    const ended = expected.filter((t) => ['SUCCEEDED', 'FAILED_FINAL', 'ABORTED', 'REJECTED', 'LOST'].includes(t.state));
    const rate = expected.filter((t) => t.state === 'SUCCEEDED').length / ended.length;
    expect(await figure('success-rate')).toBe(`${Math.round(rate * 1000) / 10} %`);
    expect(await figure('retries')).toBe('3');
    for (const [state, n] of Object.entries({ SUCCEEDED: 2, RUNNING: 1, FAILED_FINAL: 1, ABORTED: 1, REJECTED: 1 }))
      expect(await page.locator(`[data-figure="by-state"] [data-state="${state}"]`).getAttribute('data-count')).toBe(String(n));
    expect(await figure('detection-p50')).toBe('3s');
    expect(await page.locator('[data-figure="detection-p50"] .note').innerText()).toBe('1 known, 3 unknown');

    // One task's detail, against the store: its job, progress, and every history entry (pages included).
    const stored = written.find((t) => t.requestId === 'report-lk-1')!;
    const detail = page.locator(`#task-${stored.taskId}`);
    await page.locator(`#task-${stored.taskId} summary`).click();
    expect(await detail.getAttribute('data-outcome')).toBe('succeeded');
    expect(await detail.locator('[data-field="job"]').innerText()).toBe(stored.remoteId!);
    expect(await detail.locator('[data-field="progress"]').innerText()).toBe('100 %');
    expect(await detail.locator('[data-field="retries"]').innerText()).toBe('3');
    const history = await store.fullHistory(stored);
    expect(await detail.locator('table.history tbody tr').count()).toBe(history.length);
    expect(await detail.locator('table.history tbody tr').last().innerText()).toContain('backend reports SUCCEEDED');
    const rejected = page.locator(`#task-${taskIdFor('report-cdm-2')} [data-field="last error"]`);
    expect(await rejected.textContent()).toBe('jobs[0].name: is required');

    const shot = join(tmpdir(), 'bulkpilot-report-test.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it('opens with no network at all: set as content with every request refused, it still draws', async () => {
    const run = await cli(['report', '--since', '1h']);
    expect(run.out).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    const page = await browser.newPage();
    const refused: string[] = [];
    await page.route('**', (route) => {
      refused.push(route.request().url());
      return route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setContent(run.out);
    await page.waitForFunction(() => (globalThis as unknown as { bulkpilotReport?: { updates: number } }).bulkpilotReport?.updates === 1, undefined, {
      timeout: 10_000,
    });
    expect(errors).toEqual([]);
    expect(refused).toEqual([]);
    expect(await page.locator('#timeline svg path').count()).toBeGreaterThan(inWindow().length);
    expect(await page.locator('details.task').count()).toBe(inWindow().length);
    await page.close();
  });

  it("the local stack's live page draws again what the store holds now: a task written after it opened appears", async () => {
    const server = await startReportServer({ store, backends: { unavailable: 'no targets in this test' }, port: 0, intervalMs: 500 });
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      const shown = () =>
        page.evaluate(() => (globalThis as unknown as { bulkpilotReport: { data: ReportData } }).bulkpilotReport.data.tasks.map((t) => t.requestId));
      await page.waitForFunction(() => (globalThis as unknown as { bulkpilotReport?: { updates: number } }).bulkpilotReport?.updates === 1);
      expect(await shown()).not.toContain('report-late');
      await live('late', 'cdm', 2000, [['SUBMITTED', 1, { ...job('es_css/9'), attempt: 1 }]]);
      await page.waitForFunction(() =>
        (globalThis as unknown as { bulkpilotReport: { data: ReportData } }).bulkpilotReport.data.tasks.some((t) => t.requestId === 'report-late'),
      );
      expect(await page.locator(`#task-${taskIdFor('report-late')}`).getAttribute('data-outcome')).toBe('active');
      expect(await page.locator('[data-figure="tasks"] .value').innerText()).toBe(String(written.length));
    } finally {
      await page.close();
      await server.close();
      written.pop();
    }
  });
});
