import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Task } from '../task/task.ts';

/** The parts of a DynamoDB stream record (as Lambda delivers it) that the stream functions read. */
export interface TaskStreamRecord {
  eventName?: string;
  dynamodb?: {
    SequenceNumber?: string;
    NewImage?: Record<string, unknown>;
    OldImage?: Record<string, unknown>;
  };
}

/** Old and new task of a record; lease items and removals have no new task. */
export function taskImages(record: TaskStreamRecord): { before?: Task; after?: Task } {
  const image = (raw: Record<string, unknown> | undefined) => {
    if (!raw) return undefined;
    const item = unmarshall(raw as Record<string, AttributeValue>) as Task;
    return typeof item.state === 'string' ? item : undefined;
  };
  const before = image(record.dynamodb?.OldImage);
  const after = image(record.dynamodb?.NewImage);
  return { ...(before ? { before } : {}), ...(after ? { after } : {}) };
}

/** The stream's records as task changes, decoded only when the processing reaches them (in order). */
export function taskChanges(records: readonly TaskStreamRecord[]): Array<{ id: string; read(): { before?: Task; after?: Task } }> {
  return records.map((record) => ({ id: record.dynamodb?.SequenceNumber ?? '', read: () => taskImages(record) }));
}
