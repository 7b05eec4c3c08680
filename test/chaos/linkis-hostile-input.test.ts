// Hostile input for Linkis on the import queue: malformed submit bodies mixed with valid siblings in the
// same batches, through the real queue and the submit path, against the simulated gateway.
//   - each malformed message becomes a REJECTED task whose error names the field, and is dead-lettered once;
//   - each valid sibling is submitted once, and the gateway receives exactly its body (code, variables,
//     labels byte for byte) with only bulkpilot's marker added to `source`;
//   - nothing a request says can make bulkpilot submit as another user (executeUser) or to another backend.
import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lib/request/canonical-json.ts';
import type { QueueRecord } from '../../lib/submit/queue-record.ts';
import type { BatchReport } from '../../lib/submit/submit-batch.ts';
import { taskIdFor } from '../../lib/task/task.ts';
import { linkisSeedBody } from '../support/linkis.ts';
import { createLinkisHarness } from '../support/linkis-harness.ts';
import { createTestAws, receiveAll, roundTripThroughQueue } from '../support/stack.ts';
import { reportFigures } from './scale.ts';

const run = Date.now().toString(36);
const id = (label: string) => `linkis-hostile-${run}-${label}`;
// fauxqs refuses characters beyond U+FFFF in a body (real SQS accepts them): they travel as \u escapes.
const body = (request: unknown) =>
  JSON.stringify(request).replace(/[\u{10000}-\u{10FFFF}]/gu, (c) =>
    c
      .split('')
      .map((unit) => `\\u${unit.charCodeAt(0).toString(16)}`)
      .join(''),
  );

function valid(label: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { requestId: id(`valid-${label}`), ...structuredClone(linkisSeedBody), source: { scriptPath: `hostile/${label}.sql` }, ...overrides };
}

const code = (text: string) => ({ executionContent: { code: text, runType: 'sql' } });
const validSiblings = [
  valid('seed'),
  valid('quotes', code(`SELECT "a", 'b', \`c\` FROM t WHERE x = '\\'' -- "quoted" \\ back`)),
  valid('unicode', code("SELECT '数据', '😀', 'é' FROM ods.表 -- ünïcödé")),
  valid('linkis-variables', {
    ...code("SELECT * FROM ${db}.t WHERE ds = '${run_date}' AND p = ${path}"),
    params: { variable: { db: 'ods', run_date: '20261201', path: '{path}' } },
  }),
  valid('injection-looking', code("SELECT 1; DROP TABLE linkis_ps_job_history_group_history; -- ' OR 1=1 --")),
  valid('newlines-and-tabs', code('SELECT\n\t1\r\n;\n')),
  valid('html-and-json', code('SELECT \'</script><script>alert(1)</script>\', \'{"status":0,"data":{}}\'')),
  valid('extra-labels', { labels: { engineType: 'spark-3.2.1', userCreator: 'etl-bulkpilot', jobRunningTimeout: '3600', tenant: 't-1' } }),
  valid('runtime-config', {
    params: { variable: {}, configuration: { runtime: { 'wds.linkis.rm.yarnqueue': 'root.etl' }, startup: { 'spark.executor.instances': '8' }, special: {} } },
  }),
  valid('source-strings', { source: { scriptPath: 'hostile/source-strings.sql', requestIP: '10.0.0.1', note: 'a&b=c%20d ../../etc/passwd' } }),
  valid('long-code', code(`SELECT '${'x'.repeat(100 * 1024)}'`)),
  valid('own-options', { target: 'linkis', backend: 'linkis', maxDurationMinutes: 30, retry: { maxAttempts: 2 } }),
];

interface MalformedCase {
  label: string;
  field: string;
  body: string;
}
const bad = (label: string, field: string, change: Record<string, unknown>): MalformedCase => ({
  label,
  field,
  body: body({ ...valid(label), requestId: id(`bad-${label}`), ...change }),
});
const badLabels = (label: string, field: string, labels: Record<string, unknown>) => bad(label, field, { labels });

const malformed: MalformedCase[] = [
  { label: 'not-json', field: '(message)', body: `{"executionContent": {"code": ${run}` },
  { label: 'array', field: '(message)', body: body([linkisSeedBody]) },
  bad('no-content', 'executionContent', { executionContent: undefined }),
  bad('content-string', 'executionContent', { executionContent: 'show tables' }),
  bad('code-missing', 'executionContent.code', { executionContent: { runType: 'sql' } }),
  bad('code-number', 'executionContent.code', code(42 as unknown as string)),
  bad('code-empty', 'executionContent.code', code('')),
  bad('code-blank', 'executionContent.code', code(' \n\t ')),
  bad('code-lone-surrogate', 'executionContent.code', code('SELECT \ud800')),
  bad('run-type-missing', 'executionContent.runType', { executionContent: { code: 'show tables' } }),
  bad('run-type-empty', 'executionContent.runType', { executionContent: { code: 'show tables', runType: ' ' } }),
  bad('labels-missing', 'labels', { labels: undefined }),
  bad('labels-array', 'labels', { labels: ['spark-2.4.3'] }),
  badLabels('engine-missing', 'labels.engineType', { userCreator: 'hadoop-IDE' }),
  badLabels('engine-no-version', 'labels.engineType', { engineType: 'spark', userCreator: 'hadoop-IDE' }),
  badLabels('engine-number', 'labels.engineType', { engineType: 2.4, userCreator: 'hadoop-IDE' }),
  badLabels('creator-missing', 'labels.userCreator', { engineType: 'spark-2.4.3' }),
  badLabels('creator-no-dash', 'labels.userCreator', { engineType: 'spark-2.4.3', userCreator: 'hadoop' }),
  badLabels('label-object', 'labels.tenant', { engineType: 'spark-2.4.3', userCreator: 'hadoop-IDE', tenant: { id: 1 } }),
  bad('source-string', 'source', { source: 'file:///x.sql' }),
  bad('source-number', 'source.retries', { source: { scriptPath: 'x', retries: 3 } }),
  bad('source-marker', 'source.bulkpilotMarker', { source: { bulkpilotMarker: 'forged.c1' } }),
  bad('params-array', 'params', { params: [] }),
  bad('variable-string', 'params.variable', { params: { variable: 'a=1' } }),
  bad('configuration-null', 'params.configuration', { params: { configuration: null } }),
  bad('startup-array', 'params.configuration.startup', { params: { configuration: { startup: ['x'] } } }),
  // The submit body of 0.x and fields only an admin token honours are not a request's to set.
  bad('execute-user', 'executeUser', { executeUser: 'root' }),
  bad('old-execution-code', 'executionCode', { executionCode: 'show tables' }),
  { label: 'proto', field: '__proto__', body: `{"requestId":"${id('bad-proto')}","__proto__":{"admin":true},${body(linkisSeedBody).slice(1)}` },
  bad('other-backend', 'backend', { backend: 'lindorm-bulkload' }),
  bad('unknown-target', 'target', { target: 'linkis-prod' }),
  bad('max-duration', 'maxDurationMinutes', { maxDurationMinutes: 0 }),
];

let harness: Awaited<ReturnType<typeof createLinkisHarness>>;
const reports: BatchReport[] = [];
const recordsByBody = new Map<string, QueueRecord>();
let letters: Message[] = [];

beforeAll(async () => {
  harness = await createLinkisHarness(await createTestAws());
  const { h } = harness;
  const batches: string[][] = [];
  for (let i = 0; i < malformed.length; i += 7) batches.push(malformed.slice(i, i + 7).map((m) => m.body));
  for (const [i, v] of validSiblings.entries()) batches[i % batches.length]!.push(body(v));
  expect(batches.every((b) => b.length <= 10)).toBe(true);
  const records = await roundTripThroughQueue(h.aws, batches.flat());
  for (const r of records) recordsByBody.set(r.body, r);
  for (const batch of batches) reports.push(await h.submit.invoke(batch.map((b) => recordsByBody.get(b)!)));
  letters = await receiveAll(h.aws.sqs, h.aws.dlqUrl, malformed.length, 10_000);
  reportFigures('linkis hostile-input', {
    malformed: malformed.length,
    valid: validSiblings.length,
    batches: batches.length,
    letters: letters.length,
    submits: harness.gateway.submits().length,
  });
});
afterAll(async () => {
  await harness?.close();
});

const outcomeOf = (text: string) => {
  const record = recordsByBody.get(text)!;
  return reports.flatMap((r) => r.outcomes).find((o) => o.messageId === record.messageId)!.outcome;
};

describe('hostile input for Linkis', () => {
  it('hands no message back to SQS', () => {
    for (const report of reports) expect(report.batchItemFailures).toEqual([]);
  });

  it('rejects each malformed message naming its field, on a REJECTED task, and dead-letters it once', async () => {
    const wrong: string[] = [];
    for (const c of malformed) {
      const outcome = outcomeOf(c.body);
      if (outcome.kind !== 'rejected' || outcome.field !== c.field) {
        wrong.push(`${c.label}: ${JSON.stringify(outcome).slice(0, 300)}`);
        continue;
      }
      const task = outcome.taskId === undefined ? undefined : await harness.h.store.get(outcome.taskId);
      if (task?.state !== 'REJECTED' || task.error?.field !== c.field) wrong.push(`${c.label}: task ${task?.state} ${JSON.stringify(task?.error)}`);
      const mine = letters.filter((l) => l.MessageAttributes?.['bulkpilot-source-message-id']?.StringValue === recordsByBody.get(c.body)!.messageId);
      if (mine.length !== 1 || mine[0]!.MessageAttributes?.['bulkpilot-field']?.StringValue !== c.field) wrong.push(`${c.label}: ${mine.length} letters`);
    }
    expect(wrong).toEqual([]);
    expect(letters).toHaveLength(malformed.length);
  });

  it('submits each valid sibling once, with exactly its body and the marker added to source', async () => {
    const submits = harness.gateway.submits();
    expect(submits).toHaveLength(validSiblings.length);
    const wrong: string[] = [];
    for (const request of validSiblings) {
      const { requestId, target, backend, maxDurationMinutes, retry, ...expected } = request;
      const taskId = taskIdFor(requestId as string);
      const mine = submits.filter(
        (s) => (s.body as { source: Record<string, string> }).source.scriptPath === (expected.source as Record<string, string>).scriptPath,
      );
      if (mine.length !== 1) {
        wrong.push(`${requestId}: ${mine.length} submits`);
        continue;
      }
      const sent = mine[0]!.body as Record<string, unknown>;
      const wanted = { ...expected, source: { ...(expected.source as object), bulkpilotMarker: `${taskId}.c1` } };
      // Key order is not meaning (Linkis reads the body into maps): every value must be the one sent, exactly.
      if (canonicalJson(sent) !== canonicalJson(wanted)) wrong.push(`${requestId}: sent ${JSON.stringify(sent).slice(0, 300)}`);
      const task = await harness.h.store.get(taskId);
      if (task?.state !== 'SUBMITTED') wrong.push(`${requestId}: ${task?.state}`);
    }
    expect(wrong).toEqual([]);
    // Every submit ran as the target's user; none named another.
    expect(submits.every((s) => s.headers['token-user'] === 'hadoop' && !('executeUser' in (s.body as object)))).toBe(true);
  });
});
