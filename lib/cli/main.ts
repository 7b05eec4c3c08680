import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BackendCallError, type LogChunk, RemoteRefusedError, RemoteTaskNotFoundError } from '../backends/backend.ts';
import { backendCatalog } from '../backends/catalog.ts';
import type { BackendRegistry } from '../backends/registry.ts';
import { ConfigError, requireVar } from '../config.ts';
import { scopesOf } from '../limits/scopes.ts';
import { lineOrder, placeInLine, type WaitingEntry } from '../limits/waiting-line.ts';
import { createJsonLogger, type Logger } from '../logger.ts';
import { createRedactor } from '../observability/redact.ts';
import { BackendUnavailableError, OperationRefusedError, TaskNotFoundError } from '../operations/errors.ts';
import { findTask } from '../operations/find-task.ts';
import { type LiveDetails, liveDetails, logReader } from '../operations/job-details.ts';
import { abortTask, deleteTask, type OperationResult, retryTask, settleTask } from '../operations/lifecycle.ts';
import { previewSubmit } from '../operations/submit-preview.ts';
import { createSqsClient } from '../queue/sqs-client.ts';
import { parseImportRequest } from '../request/import-request.ts';
import { RequestValidationError } from '../request/validation-error.ts';
import { targetsFromEnv } from '../runtime/deployment-targets.ts';
import { createOperatorRuntime, operatorAwsClientOptions } from '../runtime/tracking-runtime.ts';
import { DynamoDbSlotStore } from '../store/dynamodb-slot-store.ts';
import type { TaskStore } from '../store/task-store.ts';
import { SecretUnavailableError } from '../targets/secrets.ts';
import { TargetsFileError } from '../targets/targets-file.ts';
import { isTerminal, scheduledStates, type TaskState, taskStates } from '../task/states.ts';
import { type Task, taskIdFor } from '../task/task.ts';
import { DeadLetterQueue, deadLetterDetail, deadLetterTable } from './dead-letters.ts';
import { duration, table, taskDetail, taskHeaders, taskRow, time } from './format.ts';
import { ReportUsageError, reportData, reportFilters, reportOutput } from './report-command.ts';
import { describeValidationError, RequestInputError, readRequestInput } from './request-input.ts';
import { SubmitRefusedError, submitRequest } from './submit-command.ts';

export interface CliIo {
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
  readStdin(): string;
  /** Waits between `watch` frames (tests pass a fake). */
  sleep(ms: number): Promise<void>;
  now(): number;
  isTty: boolean;
}

/** The variables a backend reads when there is no targets file, from the catalogue (e.g. one server's URL). */
const implicitTargetVariables = backendCatalog
  .all()
  .flatMap((m) => m.environment?.slice(0, 1) ?? [])
  .join(' or ');

const usage = `bulkpilot — submit and follow bulk-load tasks

usage: bulkpilot <command> [options]

commands:
  submit <file.json | - | '{…json…}'> [--force-new]
                                        validate an import request and put it on the import queue, if it
                                        will do something (its requestId's task is read first); --force-new
                                        derives a fresh requestId to load the same request again
  list [--state S,S] [--target T] [--backend B] [--destination D] [--limit N] [--page P] [--all]
                                        tasks, newest first (--all includes deleted ones)
  status <id>                           one task with its history (id: task id, requestId, job id, or the
                                        S3 key / s3:// URL of the file that started it), and what its
                                        backend says now: progress of each part, where the log is
  history <id>                          every transition of the task's life (time, from, to, reason)
  logs <id> [--follow] [--from N]       the job's log from line N (default 0); --follow reads on while it
                                        runs (and into a retry's new job); says where the whole log is kept
                                        once the backend no longer serves it
  watch [id] [--interval S] [--count N] [--limit N]
                                        live view of one task (exits 0 when it succeeds, 1 when it ends
                                        otherwise), or of the active tasks (newest --limit, default 50)
  abort <id>                            abort the job; ABORTED once the backend confirms
  retry <id>                            retry a FAILED, FAILED_FINAL or ABORTED task now (fresh attempts)
  delete <id> [--force]                 delete the job at the backend and mark the task deleted
                                        (--force: abort a running task first)
  settle <id> (--job <jobId> | --give-up)
                                        settle an UNCERTAIN task: its job was found (its id as the
                                        backend shows it), or give it up
  queue [--target T]                    the tasks waiting for a slot of a limited target, in the order
                                        they will start (priority, then arrival)
  limits                                each limited target's and destination's use against its limit
  report [--since T] [--until T] [--target T] [--state S,S] [--max N]
                                        one self-contained HTML page (stdout) of the tasks accepted in the
                                        window: a timeline per target (waits, retries, attempts), a summary
                                        (states, success rate, p50/p95 run time and detection delay,
                                        retries, cost) and each task's history, job, progress and, for a
                                        few failed ones, the last log lines; T is an age (30m, 1h, 2d) or
                                        an ISO time; --max bounds the tasks read (default 2000); --json:
                                        the same data
  dead-letters list                     the dead-letter queue's messages, with why each is there
  dead-letters show <messageId>         one of them, with its body
  dead-letters redrive (<messageId> | --all) [--fix file.json]
                                        send a letter back to the import queue (its body, or the fixed
                                        one), once it will do something, and delete it from the queue

options:
  --json      machine-readable output (every command; one JSON document per watch frame; errors too)
  --version   bulkpilot's version
  -h, --help  this text

exit codes: 0 done, 1 the operation failed (or the watched task did not succeed), 2 usage.

configuration (environment): TASKS_TABLE (all), IMPORT_QUEUE_URL (submit, redrive), IMPORT_DLQ_URL
(dead-letters), BULKPILOT_TIMEOUT_S (each AWS call's limit, default 10), the targets (submit, abort, retry,
delete, settle): TARGETS_FILE, or without one ${implicitTargetVariables || 'a targets file'}; secrets of the targets as
the file names them; AWS credentials and region as for any AWS tool; AWS_ENDPOINT_URL_* for local emulators.`;

/** Exit codes: 0 done, 1 the operation failed (unknown task, refused, unreachable, configuration, a watched task that did not succeed), 2 usage. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  // With --json, errors are JSON too: a pipeline reads one format whatever happens.
  const fail = (command: string | undefined, message: string, code: 1 | 2): number => {
    if (json) io.err(JSON.stringify({ error: { ...(command ? { command } : {}), message, exitCode: code } }));
    else io.err(`bulkpilot${command ? ` ${command}` : ''}: ${message}${code === 2 ? '\nRun bulkpilot --help for usage.' : ''}`);
    return code;
  };
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    return fail(undefined, (error as Error).message, 2);
  }
  const { values: o, positionals } = parsed;
  if (o.version) {
    io.out(o.json ? JSON.stringify({ version: cliVersion }) : `bulkpilot ${cliVersion}`);
    return 0;
  }
  const [command, ...rest] = positionals;
  // `dead-letters <action> [id]` takes one word more than the other commands.
  const action = command === 'dead-letters' ? rest.shift() : undefined;
  const [id, ...extra] = rest;
  if (o.help || !command) {
    io.out(usage);
    return o.help ? 0 : 2;
  }
  const usageError = (message: string) => fail(command, message, 2);
  const needsId = ['status', 'history', 'logs', 'abort', 'retry', 'delete', 'settle', 'submit'];
  if (needsId.includes(command) && !id)
    return usageError(command === 'submit' ? 'give a request file, - for standard input, or inline JSON' : 'give a task id, requestId or job id');
  if (extra.length > 0) return usageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const print = (value: unknown, text: () => string) => io.out(o.json ? JSON.stringify(value, null, 2) : text());
  const positive = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < (fallback === 0 ? 0 : 1))
      throw new UsageError(`--${name} must be a ${fallback === 0 ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(raw)}`);
    return n;
  };

  try {
    // Operator logs go to stderr and only when asked for: the output is the answer.
    const logger = createJsonLogger({ level: io.env.LOG_LEVEL === 'debug' ? 'debug' : 'error', write: (line) => io.err(line) });
    const withBackends = ['abort', 'retry', 'delete', 'settle'].includes(command);
    const runtime = () => createOperatorRuntime(io.env, { logger, connect: withBackends });
    const sqsOptions = () => operatorAwsClientOptions(io.env);
    const operation = async (run: (deps: Awaited<ReturnType<typeof runtime>>['deps']) => Promise<OperationResult>) => {
      const { deps } = await runtime();
      try {
        const result = await run(deps);
        print(result.task, () => result.message);
        return 0;
      } finally {
        await deps.backends.close();
      }
    };
    switch (command) {
      case 'submit': {
        const input = readRequestInput(id!, io.readStdin);
        const { store } = await runtime();
        try {
          return await submitRequest(input.body, io, { store, sqsOptions: sqsOptions() }, { json: o.json === true, forceNew: o['force-new'] === true });
        } catch (error) {
          if (!(error instanceof RequestValidationError)) throw error;
          if (o.json) return fail(command, `invalid request: ${error.message}`, 1);
          io.err(`bulkpilot submit: ${describeValidationError(error, input.origin, input.body)}`);
          return 1;
        }
      }
      case 'list': {
        const states = o.state ? o.state.split(',').map((s) => s.trim().toUpperCase()) : undefined;
        const unknown = states?.find((s) => !(taskStates as readonly string[]).includes(s));
        if (unknown) throw new UsageError(`--state: unknown state ${unknown} (known: ${taskStates.join(', ')})`);
        const limit = positive('limit', o.limit, 20);
        if (limit > maxPageSize) throw new UsageError(`--limit must be at most ${maxPageSize}, got ${limit}`);
        const page = positive('page', o.page, 1);
        const { store } = await runtime();
        const { tasks, more } = await store.listPage(
          {
            ...(states ? { states: states as TaskState[] } : {}),
            ...(o.backend ? { backend: o.backend } : {}),
            ...(o.target ? { target: o.target } : {}),
            ...(o.destination ? { destination: o.destination } : {}),
            ...(o.all ? { includeDeleted: true } : {}),
          },
          limit,
          page,
        );
        const next = more ? `; more: --page ${page + 1}` : '';
        print({ tasks, page, more }, () =>
          tasks.length === 0
            ? `no tasks${page > 1 ? ` on page ${page}` : ''}`
            : `${table(
                taskHeaders,
                tasks.map((t) => taskRow(t, io.now())),
              )}\n\npage ${page}${next}`,
        );
        return 0;
      }
      case 'status': {
        const { store } = await runtime();
        const task = await findTask(store, id!);
        // What the poller knows beyond the task item: failing status calls, a near-end stage.
        const checkpoint = task.dueShard === undefined ? undefined : await store.readShard(task.dueShard);
        const poller = { failing: checkpoint?.failing[task.taskId], nearEnd: checkpoint?.nearEnd[task.taskId] };
        const live = await askBackend(task, io.env, logger);
        const line = task.state === 'WAITING' ? await placeOf(store, task) : undefined;
        const extra = { ...(poller.failing || poller.nearEnd ? { poller } : {}), ...(live ? { live } : {}), ...(line ? { line } : {}) };
        print({ ...task, ...extra }, () => taskDetail(task, io.now(), poller, live, line));
        return 0;
      }
      case 'history': {
        const { store } = await runtime();
        const task = await findTask(store, id!);
        const entries = await store.fullHistory(task);
        print({ taskId: task.taskId, entries }, () =>
          table(
            ['TIME', 'FROM', 'TO', 'REASON'],
            entries.map((e) => [time(e.at), e.from ?? '-', e.to, e.reason]),
          ),
        );
        return 0;
      }
      case 'logs': {
        const { deps, store } = await createOperatorRuntime(io.env, { logger, connect: true });
        try {
          return await followLog(await findTask(store, id!), { store, backends: deps.backends }, io, {
            follow: o.follow === true,
            from: o.from === undefined ? 0 : positive('from', o.from, 0),
            intervalMs: positive('interval', o.interval, 2) * 1000,
            json: o.json === true,
          });
        } finally {
          await deps.backends.close();
        }
      }
      case 'watch': {
        const limit = positive('limit', o.limit, 50);
        if (limit > maxPageSize) throw new UsageError(`--limit must be at most ${maxPageSize}, got ${limit}`);
        return await watch(id, (await runtime()).store, io, {
          json: o.json === true,
          intervalMs: positive('interval', o.interval, 2) * 1000,
          count: o.count === undefined ? Infinity : positive('count', o.count, 1),
          limit,
        });
      }
      case 'abort':
        return await operation((deps) => abortTask(id!, deps));
      case 'retry':
        return await operation((deps) => retryTask(id!, deps));
      case 'delete':
        return await operation((deps) => deleteTask(id!, deps, { force: o.force === true }));
      case 'settle': {
        if (!o.job === !o['give-up']) throw new UsageError('give exactly one of --job <jobId> or --give-up');
        return await operation((deps) => settleTask(id!, deps, o.job ? { job: o.job } : { giveUp: true }));
      }
      case 'queue': {
        const { store } = await runtime();
        const { tasks } = await store.listPage({ states: ['WAITING'], ...(o.target ? { target: o.target } : {}) }, maxPageSize, 1);
        const line = [...tasks].sort((a, b) => lineOrder(entryOf(a), entryOf(b)));
        const rows = line.map((t, i) => ({
          place: i + 1,
          taskId: t.taskId,
          target: t.target,
          priority: t.priority ?? 0,
          waitingSince: t.waitingSince ?? t.createdAt,
          destination: t.destinationKey,
          requestId: t.requestId,
        }));
        print({ waiting: rows }, () =>
          rows.length === 0
            ? 'no task is waiting for a slot'
            : table(
                ['PLACE', 'TASK', 'TARGET', 'PRIORITY', 'WAITING', 'DESTINATION', 'REQUEST'],
                rows.map((r) => [
                  String(r.place),
                  r.taskId,
                  r.target ?? '-',
                  String(r.priority),
                  duration(io.now() - r.waitingSince),
                  r.destination ?? '-',
                  r.requestId,
                ]),
              ),
        );
        return 0;
      }
      case 'report': {
        const { filters, maxTasks } = reportFilters({ since: o.since, until: o.until, target: o.target, state: o.state, max: o.max }, io.now());
        const { store } = await runtime();
        // The log tails need the targets; a report without them is still the report.
        const backends = await createOperatorRuntime(io.env, { logger, connect: true }).then(
          (r) => r.deps.backends,
          (error: unknown) => ({ unavailable: `the targets cannot be read here (${redact('', explain(error))})` }),
        );
        try {
          io.out(reportOutput(await reportData(store, backends, { filters, maxTasks, now: io.now() }), o.json === true));
        } finally {
          if (!('unavailable' in backends)) await backends.close();
        }
        return 0;
      }
      case 'limits': {
        const targets = targetsFromEnv(io.env);
        const slots = new DynamoDbSlotStore({ client: new DynamoDBClient(operatorAwsClientOptions(io.env)), tableName: requireVar(io.env, 'TASKS_TABLE') });
        const rows: Array<{ scope: string; used: number; max: number | null }> = [];
        for (const t of targets.all()) {
          const scopes = scopesOf(t.name, undefined, t.limits);
          if (scopes.length === 0) continue;
          const holders = await slots.holders(scopes[0]!.id);
          rows.push({ scope: `target ${t.name}`, used: holders.length, max: t.limits?.maxConcurrent ?? null });
          const perDestination = new Map<string, number>();
          for (const h of holders) for (const s of h.scopes ?? []) if (s.startsWith('dest:')) perDestination.set(s, (perDestination.get(s) ?? 0) + 1);
          for (const [scope, used] of [...perDestination].sort())
            rows.push({ scope: `  destination ${scope.slice(`dest:${t.name}:`.length)}`, used, max: t.limits?.maxConcurrentPerDestination ?? null });
        }
        print({ limits: rows }, () =>
          rows.length === 0
            ? 'no target has a concurrency limit'
            : table(
                ['SCOPE', 'RUNNING', 'LIMIT'],
                rows.map((r) => [r.scope, String(r.used), r.max === null ? '-' : String(r.max)]),
              ),
        );
        return 0;
      }
      case 'dead-letters': {
        if (action !== 'list' && action !== 'show' && action !== 'redrive')
          throw new UsageError('give list, show <messageId> or redrive (<messageId> | --all) [--fix file]');
        if (action === 'show' && !id) throw new UsageError('give the message id (bulkpilot dead-letters list shows them)');
        if (action === 'redrive' && !id === !o.all) throw new UsageError('give exactly one of a message id or --all');
        if (action === 'redrive' && o.fix && o.all) throw new UsageError("--fix replaces one letter's body: give a message id");
        if (action !== 'redrive' && o.fix) throw new UsageError('--fix goes with redrive');
        const { store } = await runtime();
        return await deadLetters(action, id, io, {
          store,
          sqsOptions: sqsOptions(),
          json: o.json === true,
          all: o.all === true,
          ...(o.fix ? { fix: o.fix } : {}),
        });
      }
      default:
        return usageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ReportUsageError) return usageError(error.message);
    // Credentials read at run time are masked here too: an operator's terminal is a log of its own.
    return fail(command, String(redact('', explain(error, io.env))), 1);
  }
}

/** Most tasks one page shows (one batch read). */
const maxPageSize = 100;

const cliVersion = packageVersion();

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      state: { type: 'string' },
      backend: { type: 'string' },
      target: { type: 'string' },
      destination: { type: 'string' },
      limit: { type: 'string' },
      page: { type: 'string' },
      all: { type: 'boolean' },
      interval: { type: 'string' },
      count: { type: 'string' },
      force: { type: 'boolean' },
      follow: { type: 'boolean', short: 'f' },
      from: { type: 'string' },
      job: { type: 'string' },
      'give-up': { type: 'boolean' },
      'force-new': { type: 'boolean' },
      fix: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      max: { type: 'string' },
      version: { type: 'boolean' },
    },
  });
}

class UsageError extends Error {}

const redact = createRedactor();

function explain(error: unknown, env: CliIo['env'] = {}): string {
  if (
    error instanceof ConfigError ||
    error instanceof TaskNotFoundError ||
    error instanceof OperationRefusedError ||
    error instanceof BackendUnavailableError ||
    error instanceof TargetsFileError ||
    error instanceof SecretUnavailableError
  )
    return error.message;
  if (error instanceof RequestValidationError) return `invalid request: ${error.message}`;
  if (error instanceof RequestInputError || error instanceof SubmitRefusedError) return error.message;
  if (error instanceof RemoteRefusedError || error instanceof RemoteTaskNotFoundError) return error.message;
  if (error instanceof BackendCallError) return `the backend did not answer usefully: ${error.message}`;
  const name = (error as { name?: string } | null)?.name ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'ResourceNotFoundException') return `the tasks table was not found (TASKS_TABLE, region, endpoint): ${message}`;
  if (name === 'ValidationException' && /specified index/i.test(message))
    return `the tasks table lacks an index this command reads (${message}): deploy with --param="operatorIndexes=4" (docs/deploying.md, "Upgrading a stack")`;
  if (name === 'TimeoutError' || /timed? ?out|ETIMEDOUT|socket hang up/i.test(message))
    return `no answer from AWS (or the local emulators) within ${env.BULKPILOT_TIMEOUT_S || 10} s (BULKPILOT_TIMEOUT_S): ${message}`;
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(message)) return `cannot reach AWS (or the local emulators): ${message}`;
  return `${name ? `${name}: ` : ''}${message}`;
}

/**
 * The job's live details for `status`, when the task has a job: best effort, bounded, never a failure of
 * the command (the task item is the answer; this is what the backend adds to it).
 */
async function askBackend(task: Task, env: CliIo['env'], logger: Logger): Promise<LiveDetails | undefined> {
  if (!task.remote && !task.remoteId) return undefined;
  if (task.deletedAt) return undefined;
  let runtime: Awaited<ReturnType<typeof createOperatorRuntime>>;
  try {
    runtime = await createOperatorRuntime(env, { logger, connect: true });
  } catch (error) {
    return { unavailable: `the targets cannot be read here (${redact('', explain(error))})` };
  }
  try {
    return await liveDetails(task, runtime.deps.backends, { timeoutMs: liveTimeoutMs });
  } finally {
    await runtime.deps.backends.close();
  }
}

const liveTimeoutMs = 5_000;

/**
 * Prints the job's log from a cursor. With `follow`, reads on while the job runs; once the backend no longer
 * serves it, waits for the task to end, or for a retry's new job, whose log it then reads from its start.
 */
async function followLog(
  first: Task,
  deps: { store: Awaited<ReturnType<typeof createOperatorRuntime>>['store']; backends: BackendRegistry },
  io: CliIo,
  o: { follow: boolean; from: number; intervalMs: number; json: boolean },
): Promise<number> {
  let task = first;
  let job = task.remoteId;
  let read = logReader(task, deps.backends);
  let cursor = o.from;
  let failures = 0;
  for (;;) {
    let chunk: LogChunk;
    try {
      chunk = await read(cursor);
      failures = 0;
    } catch (error) {
      // A following reader outlives a blip of the backend; a one-off read reports it.
      if (!o.follow || ++failures >= maxLogFailures) throw error;
      io.err(`bulkpilot logs: reading the log failed (${failures} of ${maxLogFailures}), trying again: ${redact('', explain(error))}`);
      await io.sleep(o.intervalMs);
      continue;
    }
    if (o.json) io.out(JSON.stringify({ job, from: cursor, ...chunk }));
    else if (chunk.text) io.out(chunk.text.replace(/\n$/, ''));
    cursor = chunk.next;
    if (chunk.ended && !o.json) {
      io.err(`bulkpilot logs: job ${job} has ended and its log is no longer served live${chunk.location ? `; the whole log is at ${chunk.location}` : ''}`);
    }
    if (!o.follow) return 0;
    if (!chunk.ended) {
      // An ended task's job writes nothing more: a read that found nothing new was the last.
      if (isTerminal(task.state) && !chunk.text) {
        const live = await liveDetails(task, deps.backends, { timeoutMs: liveTimeoutMs });
        const location = live && 'details' in live ? live.details.logLocation : undefined;
        if (!o.json)
          io.err(`bulkpilot logs: task ${task.taskId} is ${task.state}; job ${job} wrote its last line${location ? `; the whole log is at ${location}` : ''}`);
        return 0;
      }
      await io.sleep(o.intervalMs);
      task = await findTask(deps.store, task.taskId);
      if (task.remoteId === job || !task.remoteId) continue;
    } else {
      // The job wrote its last line: the task either ends, or a retry starts a new job.
      while (task.remoteId === job && !isTerminal(task.state)) {
        await io.sleep(o.intervalMs);
        task = await findTask(deps.store, task.taskId);
      }
      if (task.remoteId === job || !task.remoteId) return 0;
    }
    job = task.remoteId;
    read = logReader(task, deps.backends);
    cursor = 0;
    if (!o.json) io.err(`bulkpilot logs: attempt ${task.attempt ?? '?'} runs as job ${job}`);
  }
}

const maxLogFailures = 5;

async function watch(
  id: string | undefined,
  store: Awaited<ReturnType<typeof createOperatorRuntime>>['store'],
  io: CliIo,
  o: { json: boolean; intervalMs: number; count: number; limit: number },
): Promise<number> {
  const watchedStates = [...scheduledStates, 'UNCERTAIN'] as TaskState[];
  let last: Task | undefined;
  for (let frame = 0; frame < o.count; frame++) {
    if (frame > 0) await io.sleep(o.intervalMs);
    // Only the active tasks are read (a query per active state), never the history.
    const { tasks, more } = id ? { tasks: [await findTask(store, id)], more: false } : await store.listPage({ states: watchedStates }, o.limit, 1);
    const now = io.now();
    if (o.json) {
      io.out(JSON.stringify({ at: new Date(now).toISOString(), tasks, ...(id ? {} : { more }) }));
    } else {
      const view = id
        ? taskDetail(tasks[0]!, now)
        : tasks.length
          ? table(
              taskHeaders,
              tasks.map((t) => taskRow(t, now)),
            )
          : 'no active tasks';
      const count = id ? '' : ` — ${tasks.length}${more ? `+ active (the newest ${o.limit}; --limit shows more)` : ' active'}`;
      io.out(`${io.isTty ? '\x1b[2J\x1b[H' : frame > 0 ? '\n' : ''}bulkpilot watch — ${new Date(now).toISOString()}${count}\n\n${view}`);
    }
    last = tasks[0];
    if (id && watchedEnd(last!)) break;
  }
  // A pipeline can wait on a load: success only when the task succeeded (or, continuous, still runs).
  if (id && last && watchedEnd(last) && last.state !== 'SUCCEEDED') {
    if (!o.json) io.err(`bulkpilot watch: task ${last.taskId} ended ${last.state}${last.error ? `: ${last.error.reason}` : ''}`);
    return 1;
  }
  return 0;
}

const watchedEnd = (task: Task) => !scheduledStates.has(task.state) && task.state !== 'UNCERTAIN';

async function deadLetters(
  action: 'list' | 'show' | 'redrive',
  id: string | undefined,
  io: CliIo,
  o: { store: TaskStore; sqsOptions: Parameters<typeof createSqsClient>[0]; json: boolean; all: boolean; fix?: string },
): Promise<number> {
  const queue = new DeadLetterQueue(createSqsClient(o.sqsOptions), requireVar(io.env, 'IMPORT_DLQ_URL'));
  try {
    const letters = await queue.read();
    if (action === 'list') {
      io.out(o.json ? JSON.stringify({ letters }, null, 2) : deadLetterTable(letters));
      return 0;
    }
    const chosen = o.all ? letters : letters.filter((l) => l.messageId === id);
    if (!o.all && chosen.length === 0) throw new OperationRefusedError(`no dead letter ${id} (bulkpilot dead-letters list shows them)`);
    if (action === 'show') {
      io.out(o.json ? JSON.stringify(chosen[0], null, 2) : deadLetterDetail(chosen[0]!));
      return 0;
    }
    const importQueue = requireVar(io.env, 'IMPORT_QUEUE_URL');
    const targets = targetsFromEnv(io.env);
    const results: Array<{ messageId: string; redriven: boolean; message: string }> = [];
    for (const letter of chosen) {
      const body = o.fix ? readRequestInput(o.fix, io.readStdin).body : letter.body;
      // A letter goes back only if it will now do something: valid, and not already done or refused.
      let outcome: { redriven: boolean; message: string };
      try {
        const request = parseImportRequest(body, targets);
        const preview = previewSubmit(await o.store.get(taskIdFor(request.requestId)), request, io.now());
        if (preview.send) await queue.redrive(letter.messageId, importQueue, o.fix ? body : undefined);
        outcome = {
          redriven: preview.send,
          message: preview.send
            ? `redriven: ${preview.message.replace('it becomes a new task', `it becomes task ${taskIdFor(request.requestId)}`)}`
            : `kept: ${preview.message}`,
        };
      } catch (error) {
        if (!(error instanceof RequestValidationError)) throw error;
        outcome = { redriven: false, message: `kept: still invalid (${error.message}); fix it with --fix <file>` };
      }
      results.push({ messageId: letter.messageId, ...outcome });
    }
    const kept = results.filter((r) => !r.redriven).length;
    io.out(
      o.json
        ? JSON.stringify({ results }, null, 2)
        : results.length
          ? results.map((r) => `${r.messageId}: ${r.message}`).join('\n')
          : 'the dead-letter queue is empty',
    );
    return kept > 0 && !o.all ? 1 : 0;
  } finally {
    await queue.release();
  }
}

function entryOf(t: Task): WaitingEntry {
  return { taskId: t.taskId, priority: t.priority ?? 0, arrivedAt: t.waitingSince ?? t.createdAt, destination: t.destinationKey ?? '' };
}

/** A waiting task's place in its target's line (the head of the line: the first 100). */
async function placeOf(store: TaskStore, task: Task): Promise<{ place: number; of: number } | undefined> {
  const { tasks } = await store.listPage({ states: ['WAITING'], ...(task.target ? { target: task.target } : {}) }, maxPageSize, 1);
  const entries = tasks.map(entryOf);
  const place = placeInLine(entries, task.taskId);
  return place === undefined ? undefined : { place, of: entries.length };
}
