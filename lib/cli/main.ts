import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { BackendCallError, type LogChunk, RemoteRefusedError, RemoteTaskNotFoundError } from '../backends/backend.ts';
import { backendCatalog } from '../backends/catalog.ts';
import type { BackendRegistry } from '../backends/registry.ts';
import { ConfigError, requireVar } from '../config.ts';
import { createJsonLogger, type Logger } from '../logger.ts';
import { createRedactor } from '../observability/redact.ts';
import { BackendUnavailableError, OperationRefusedError, TaskNotFoundError } from '../operations/errors.ts';
import { findTask } from '../operations/find-task.ts';
import { type LiveDetails, liveDetails, logReader } from '../operations/job-details.ts';
import { abortTask, deleteTask, type OperationResult, retryTask, settleTask } from '../operations/lifecycle.ts';
import { createSqsClient } from '../queue/sqs-client.ts';
import { parseImportRequest } from '../request/import-request.ts';
import { RequestValidationError } from '../request/validation-error.ts';
import { targetsFromEnv } from '../runtime/deployment-targets.ts';
import { createOperatorRuntime } from '../runtime/tracking-runtime.ts';
import { SecretUnavailableError } from '../targets/secrets.ts';
import { TargetsFileError } from '../targets/targets-file.ts';
import { isTerminal, scheduledStates, type TaskState, taskStates } from '../task/states.ts';
import { type Task, taskIdFor } from '../task/task.ts';
import { table, taskDetail, taskHeaders, taskRow } from './format.ts';

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
  submit <file.json | - | '{…json…}'>   validate an import request and put it on the import queue
  list [--state S,S] [--target T] [--backend B] [--destination D] [--limit N] [--page P] [--all]
                                        tasks, newest first (--all includes deleted ones)
  status <id>                           one task with its history (id: task id, requestId or job id), and
                                        what its backend says now: progress of each part, where the log is
  logs <id> [--follow] [--from N]       the job's log from line N (default 0); --follow reads on while it
                                        runs (and into a retry's new job); says where the whole log is kept
                                        once the backend no longer serves it
  watch [id] [--interval S] [--count N] live view of one task, or of every active task
  abort <id>                            abort the job; ABORTED once the backend confirms
  retry <id>                            retry a FAILED, FAILED_FINAL or ABORTED task now (fresh attempts)
  delete <id> [--force]                 delete the job at the backend and mark the task deleted
                                        (--force: abort a running task first)
  settle <id> (--job <jobId> | --give-up)
                                        settle an UNCERTAIN task: its job was found (its id as the
                                        backend shows it), or give it up

options:
  --json      machine-readable output (every read command; one JSON document per watch frame)
  -h, --help  this text

configuration (environment): TASKS_TABLE (all), IMPORT_QUEUE_URL (submit), the targets (submit, abort, retry,
delete, settle): TARGETS_FILE, or without one ${implicitTargetVariables || 'a targets file'}; secrets of the targets as
the file names them; AWS credentials and region as for any AWS tool; AWS_ENDPOINT_URL_* for local emulators.`;

/** Exit codes: 0 done, 1 the operation failed (unknown task, refused, unreachable, configuration), 2 usage. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    io.err(`bulkpilot: ${(error as Error).message}\nRun bulkpilot --help for usage.`);
    return 2;
  }
  const { values: o, positionals } = parsed;
  const [command, id, ...extra] = positionals;
  if (o.help || !command) {
    io.out(usage);
    return o.help ? 0 : 2;
  }
  const usageError = (message: string) => {
    io.err(`bulkpilot ${command}: ${message}\nRun bulkpilot --help for usage.`);
    return 2;
  };
  const needsId = ['status', 'logs', 'abort', 'retry', 'delete', 'settle', 'submit'];
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
      case 'submit':
        return await submit(id!, io, o.json === true);
      case 'list': {
        const states = o.state ? o.state.split(',').map((s) => s.trim().toUpperCase()) : undefined;
        const unknown = states?.find((s) => !(taskStates as readonly string[]).includes(s));
        if (unknown) throw new UsageError(`--state: unknown state ${unknown} (known: ${taskStates.join(', ')})`);
        const limit = positive('limit', o.limit, 20);
        const page = positive('page', o.page, 1);
        const { store } = await runtime();
        const tasks = (
          await store.list({
            ...(states ? { states: states as TaskState[] } : {}),
            ...(o.backend ? { backend: o.backend } : {}),
            ...(o.target ? { target: o.target } : {}),
            ...(o.destination ? { destination: o.destination } : {}),
          })
        )
          .filter((t) => o.all || !t.deletedAt)
          .sort((a, b) => b.createdAt - a.createdAt);
        const shown = tasks.slice((page - 1) * limit, page * limit);
        const pages = Math.max(1, Math.ceil(tasks.length / limit));
        print({ tasks: shown, total: tasks.length, page, pages }, () =>
          shown.length === 0
            ? `no tasks${tasks.length ? ` on page ${page} (${pages} pages)` : ''}`
            : `${table(
                taskHeaders,
                shown.map((t) => taskRow(t, io.now())),
              )}\n\npage ${page} of ${pages} (${tasks.length} tasks)`,
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
        const extra = { ...(poller.failing || poller.nearEnd ? { poller } : {}), ...(live ? { live } : {}) };
        print({ ...task, ...extra }, () => taskDetail(task, io.now(), poller, live));
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
      case 'watch':
        return await watch(id, (await runtime()).store, io, {
          json: o.json === true,
          intervalMs: positive('interval', o.interval, 2) * 1000,
          count: o.count === undefined ? Infinity : positive('count', o.count, 1),
        });
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
      default:
        return usageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    // Credentials read at run time are masked here too: an operator's terminal is a log of its own.
    io.err(`bulkpilot ${command}: ${redact('', explain(error))}`);
    return 1;
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
    },
  });
}

class UsageError extends Error {}

const redact = createRedactor();

function explain(error: unknown): string {
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
  if (error instanceof RemoteRefusedError || error instanceof RemoteTaskNotFoundError) return error.message;
  if (error instanceof BackendCallError) return `the backend did not answer usefully: ${error.message}`;
  const name = (error as { name?: string } | null)?.name ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'ResourceNotFoundException') return `the tasks table was not found (TASKS_TABLE, region, endpoint): ${message}`;
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(message) || name === 'TimeoutError') return `cannot reach AWS (or the local emulators): ${message}`;
  return `${name ? `${name}: ` : ''}${message}`;
}

async function submit(source: string, io: CliIo, json: boolean): Promise<number> {
  const body = source === '-' ? io.readStdin() : source.trimStart().startsWith('{') ? source : readFileSync(source, 'utf8');
  const request = parseImportRequest(body, targetsFromEnv(io.env));
  const queueUrl = requireVar(io.env, 'IMPORT_QUEUE_URL');
  const { MessageId } = await createSqsClient().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  const taskId = taskIdFor(request.requestId);
  io.out(
    json
      ? JSON.stringify({ messageId: MessageId, requestId: request.requestId, taskId }, null, 2)
      : `queued request ${request.requestId} as message ${MessageId}; it becomes task ${taskId}`,
  );
  return 0;
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
  o: { json: boolean; intervalMs: number; count: number },
): Promise<number> {
  const watchedStates = [...scheduledStates, 'UNCERTAIN'] as TaskState[];
  for (let frame = 0; frame < o.count; frame++) {
    if (frame > 0) await io.sleep(o.intervalMs);
    const tasks: Task[] = id ? [await findTask(store, id)] : (await store.list({ states: watchedStates })).sort((a, b) => b.createdAt - a.createdAt);
    const now = io.now();
    if (o.json) {
      io.out(JSON.stringify({ at: new Date(now).toISOString(), tasks }));
    } else {
      const view = id
        ? taskDetail(tasks[0]!, now)
        : tasks.length
          ? table(
              taskHeaders,
              tasks.map((t) => taskRow(t, now)),
            )
          : 'no active tasks';
      io.out(
        `${io.isTty ? '\x1b[2J\x1b[H' : frame > 0 ? '\n' : ''}bulkpilot watch — ${new Date(now).toISOString()}${id ? '' : ` — ${tasks.length} active`}\n\n${view}`,
      );
    }
    if (id && !scheduledStates.has(tasks[0]!.state) && tasks[0]!.state !== 'UNCERTAIN') break; // the watched task has ended
  }
  return 0;
}
