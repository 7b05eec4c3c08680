import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { RequestTargets } from '../request/import-request.ts';
import { parseImportRequest } from '../request/import-request.ts';
import { sourceFileAttribute } from '../submit/queue-record.ts';
import { table, time } from './format.ts';

/** A message of the dead-letter queue, with what bulkpilot wrote about it. */
export interface DeadLetterView {
  messageId: string;
  sentAt?: number;
  receives: number;
  reason: string;
  field?: string;
  taskId?: string;
  requestId?: string;
  sourceFile?: string;
  body: string;
}

/** How long the command holds the letters it reads (they are released as soon as it is done). */
const holdSeconds = 60;
const mostLetters = 1000;

/**
 * Reads the dead-letter queue without consuming it: every letter is received (hidden from other readers
 * for a minute at most), and released again when the command ends, except the ones it redrives.
 */
export class DeadLetterQueue {
  readonly #sqs: SQSClient;
  readonly #url: string;
  #held: Message[] = [];

  constructor(sqs: SQSClient, url: string) {
    this.#sqs = sqs;
    this.#url = url;
  }

  async read(most = mostLetters): Promise<DeadLetterView[]> {
    while (this.#held.length < most) {
      const out = await this.#sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#url,
          MaxNumberOfMessages: Math.min(10, most - this.#held.length),
          VisibilityTimeout: holdSeconds,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
        }),
      );
      if (!out.Messages?.length) break;
      this.#held.push(...out.Messages);
    }
    return this.#held.map(view).sort((a, b) => (a.sentAt ?? 0) - (b.sentAt ?? 0));
  }

  /** Sends the letter (or its fixed body) to the import queue with its file attribute, then deletes it here. */
  async redrive(messageId: string, importQueueUrl: string, body?: string): Promise<void> {
    const message = this.#held.find((m) => m.MessageId === messageId);
    if (!message?.ReceiptHandle) throw new Error(`no dead letter ${messageId} (bulkpilot dead-letters list shows them)`);
    const source = message.MessageAttributes?.[sourceFileAttribute];
    await this.#sqs.send(
      new SendMessageCommand({
        QueueUrl: importQueueUrl,
        MessageBody: body ?? message.Body ?? '',
        ...(source?.StringValue ? { MessageAttributes: { [sourceFileAttribute]: { DataType: 'String', StringValue: source.StringValue } } } : {}),
      }),
    );
    await this.#sqs.send(new DeleteMessageCommand({ QueueUrl: this.#url, ReceiptHandle: message.ReceiptHandle }));
    this.#held = this.#held.filter((m) => m !== message);
  }

  /** Makes every letter still held visible again at once. */
  async release(): Promise<void> {
    for (let i = 0; i < this.#held.length; i += 10) {
      const chunk = this.#held.slice(i, i + 10);
      await this.#sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#url,
          Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      );
    }
    this.#held = [];
  }
}

function view(m: Message): DeadLetterView {
  const attr = (name: string) => (m.MessageAttributes?.[name] as MessageAttributeValue | undefined)?.StringValue;
  const receives = Number(m.Attributes?.ApproximateReceiveCount ?? '1');
  const body = m.Body ?? '';
  const requestId = requestIdOf(body);
  const field = attr('bulkpilot-field');
  const taskId = attr('bulkpilot-task-id');
  const sourceFile = attr(sourceFileAttribute);
  const sentAt = m.Attributes?.SentTimestamp ? Number(m.Attributes.SentTimestamp) : undefined;
  return {
    messageId: m.MessageId ?? '',
    ...(sentAt === undefined ? {} : { sentAt }),
    receives,
    // A letter SQS moved here itself (the import queue's maxReceiveCount) carries no reason of bulkpilot's.
    reason: attr('bulkpilot-reason') ?? 'delivered too many times without being processed (an unreachable backend or a bug: see the submit function logs)',
    ...(field ? { field } : {}),
    ...(taskId ? { taskId } : {}),
    ...(requestId ? { requestId } : {}),
    ...(sourceFile ? { sourceFile } : {}),
    body,
  };
}

function requestIdOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { requestId?: unknown }).requestId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

export function deadLetterTable(letters: DeadLetterView[]): string {
  if (letters.length === 0) return 'the dead-letter queue is empty';
  return `${table(
    ['MESSAGE', 'SENT', 'TASK', 'REQUEST', 'REASON'],
    letters.map((l) => [l.messageId, time(l.sentAt), l.taskId ?? '-', l.requestId ?? '-', l.reason.length > 100 ? `${l.reason.slice(0, 99)}…` : l.reason]),
  )}\n\n${letters.length} letter${letters.length === 1 ? '' : 's'}`;
}

export function deadLetterDetail(l: DeadLetterView): string {
  return [
    `message   ${l.messageId}`,
    `sent      ${time(l.sentAt)}`,
    `reason    ${l.reason}`,
    ...(l.field ? [`field     ${l.field}`] : []),
    ...(l.taskId ? [`task      ${l.taskId}`] : []),
    ...(l.requestId ? [`request   ${l.requestId}`] : []),
    ...(l.sourceFile ? [`file      ${l.sourceFile}`] : []),
    '',
    l.body,
  ].join('\n');
}

/** A body to redrive must be a valid request now: a letter is resent only once its cause is fixed. */
export function checkRedriveBody(body: string, targets: RequestTargets): void {
  parseImportRequest(body, targets);
}
