// A DynamoDB Streams event source mapping for the local stack (DynamoDB Local): records in the Lambda
// event shape, filter patterns applied, batches in order per shard, and Lambda's checkpointing on failure
// (a failed batch is retried from its lowest failed record; nothing later in the shard overtakes it).
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, AttributeValue as LambdaAttributeValue } from 'aws-lambda';
import { matchesFilterPatterns, parseFilterPatterns } from './event-filter.ts';

export type DynamoDBStreamRecord = DynamoDBRecord;

export type StreamRecordBatchHandler = (event: {
  Records: DynamoDBStreamRecord[];
}) => Promise<{ batchItemFailures?: Array<{ itemIdentifier: string }> } | void>;

export interface ShardRecords {
  shardId: string;
  parentShardId: string | undefined;
  records: DynamoDBStreamRecord[];
}

interface ShardPosition {
  parentShardId: string | undefined;
  iterator: string | undefined;
  lastSequenceNumber: string | undefined;
  startAt: ShardIteratorType;
  done: boolean;
}

/** Where reading stopped: Lambda's event source mapping keeps this across restarts, so the local stack does too. */
export interface StreamCheckpoint {
  streamArn: string;
  shards: Array<{ shardId: string; parentShardId: string | undefined; lastSequenceNumber: string | undefined; done: boolean }>;
}

// Bounds one readNew() on a busy shard; the rest comes with the next call.
const MAX_PAGES_PER_SHARD = 100;

export class DynamoDbStreamReader {
  readonly #dynamodb: DynamoDBClient;
  readonly #streams: DynamoDBStreamsClient;
  readonly #tableName: string;
  readonly #startAt: 'TRIM_HORIZON' | 'LATEST';
  #streamArn: string | undefined;
  #positions = new Map<string, ShardPosition>();
  #described = false;
  // Records read but not yet returned: a call that fails half-way keeps them for the next one, since the
  // shard positions have already moved past them.
  #unreturned = new Map<string, ShardRecords>();
  #resumeFrom: StreamCheckpoint | undefined;

  constructor(options: {
    dynamodb: DynamoDBClient;
    streams: DynamoDBStreamsClient;
    tableName: string;
    startAt?: 'TRIM_HORIZON' | 'LATEST';
    /** A checkpoint of an earlier reader of the same stream: reading goes on after it (startAt then applies only to another stream). */
    resumeFrom?: StreamCheckpoint;
  }) {
    this.#dynamodb = options.dynamodb;
    this.#streams = options.streams;
    this.#tableName = options.tableName;
    this.#startAt = options.startAt ?? 'TRIM_HORIZON';
    this.#resumeFrom = options.resumeFrom;
  }

  /** Every record before this has been returned by readNew(); undefined before the first read. */
  checkpoint(): StreamCheckpoint | undefined {
    if (!this.#streamArn) return this.#resumeFrom;
    return {
      streamArn: this.#streamArn,
      shards: [...this.#positions].map(([shardId, p]) => ({ shardId, parentShardId: p.parentShardId, lastSequenceNumber: p.lastSequenceNumber, done: p.done })),
    };
  }

  /**
   * Every record available now across all shards, in order per shard and parents before children, in the
   * Lambda event record shape; the next call returns only newer ones. With startAt LATEST the position is
   * taken by the first call.
   */
  async readNew(): Promise<DynamoDBStreamRecord[]> {
    return (await this.readNewByShard()).flatMap((shard) => shard.records);
  }

  /** As readNew(), grouped by shard (only shards with new records). */
  async readNewByShard(): Promise<ShardRecords[]> {
    const streamArn = await this.#streamArnOfTable();
    for (const shard of await this.#describe(streamArn)) {
      const shardId = shard.ShardId!;
      const position = this.#positions.get(shardId);
      if (!position || position.done) continue;
      const parent = position.parentShardId ? this.#positions.get(position.parentShardId) : undefined;
      if (parent && !parent.done) continue; // a child's records are newer than all of its parent's
      await this.#readShard(streamArn, shardId, position);
    }
    const out = [...this.#unreturned.values()];
    this.#unreturned.clear();
    return out;
  }

  async #streamArnOfTable(): Promise<string> {
    if (!this.#streamArn) {
      const { Table } = await this.#dynamodb.send(new DescribeTableCommand({ TableName: this.#tableName }));
      if (!Table?.LatestStreamArn) throw new Error(`table ${this.#tableName} has no stream`);
      this.#streamArn = Table.LatestStreamArn;
    }
    return this.#streamArn;
  }

  /** All shards, parents first; registers new ones with where to start reading them. */
  async #describe(streamArn: string): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.#streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }));
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    const first = !this.#described;
    this.#described = true;
    // A table created again has a new stream: an old checkpoint says nothing about it.
    if (first && this.#resumeFrom?.streamArn === streamArn) {
      for (const shard of this.#resumeFrom.shards) {
        this.#positions.set(shard.shardId, { ...shard, iterator: undefined, startAt: 'TRIM_HORIZON' });
      }
    }
    // Shards born after the checkpoint hold only newer records: from their start.
    const resumed = first && this.#positions.size > 0;
    for (const shard of shards) {
      if (this.#positions.has(shard.ShardId!)) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      // LATEST applies to the shards open when reading starts; any shard found later (a child after a
      // split) holds only records written since, so it is read from its start.
      const latest = first && !resumed && this.#startAt === 'LATEST';
      this.#positions.set(shard.ShardId!, {
        parentShardId: shard.ParentShardId,
        iterator: undefined,
        lastSequenceNumber: undefined,
        startAt: latest ? 'LATEST' : 'TRIM_HORIZON',
        done: latest && closed,
      });
    }
    const listed = new Set(shards.map((s) => s.ShardId!));
    for (const [shardId, position] of this.#positions) if (position.done && !listed.has(shardId)) this.#positions.delete(shardId);
    return parentsFirst(shards);
  }

  async #readShard(streamArn: string, shardId: string, position: ShardPosition): Promise<void> {
    for (let page = 0; page < MAX_PAGES_PER_SHARD; page++) {
      position.iterator ??= await this.#iterator(streamArn, shardId, position);
      let response: GetRecordsCommandOutput;
      try {
        response = await this.#streams.send(new GetRecordsCommand({ ShardIterator: position.iterator }));
      } catch (error) {
        if (!(error instanceof ExpiredIteratorException)) throw error;
        position.iterator = undefined; // iterators expire after 15 minutes; resume after the last record
        continue;
      }
      const records = response.Records ?? [];
      if (records.length > 0) {
        let group = this.#unreturned.get(shardId);
        if (!group) {
          group = { shardId, parentShardId: position.parentShardId, records: [] };
          this.#unreturned.set(shardId, group);
        }
        for (const record of records) {
          group.records.push(toLambdaRecord(record, streamArn));
          position.lastSequenceNumber = record.dynamodb?.SequenceNumber ?? position.lastSequenceNumber;
        }
      }
      position.iterator = response.NextShardIterator;
      if (!position.iterator) {
        position.done = true; // a closed shard read to its end
        return;
      }
      if (records.length === 0) return;
    }
  }

  async #iterator(streamArn: string, shardId: string, position: ShardPosition): Promise<string> {
    const after = position.lastSequenceNumber;
    const { ShardIterator } = await this.#streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: position.startAt }),
      }),
    );
    if (!ShardIterator) throw new Error(`no shard iterator for ${shardId}`);
    return ShardIterator;
  }
}

function parentsFirst(shards: Shard[]): Shard[] {
  const byId = new Map(shards.map((s) => [s.ShardId!, s]));
  const ordered: Shard[] = [];
  const placed = new Set<string>();
  const place = (shard: Shard) => {
    if (placed.has(shard.ShardId!)) return;
    placed.add(shard.ShardId!);
    const parent = shard.ParentShardId ? byId.get(shard.ParentShardId) : undefined;
    if (parent) place(parent);
    ordered.push(shard);
  };
  for (const shard of shards) place(shard);
  return ordered;
}

function toLambdaRecord(record: _Record, streamArn: string): DynamoDBStreamRecord {
  const stream = record.dynamodb ?? {};
  // DynamoDB Local emits a TTL deletion with the eventName "UNKNOWN_TO_SDK_VERSION" (the Java SDK inside
  // it has no name for it) and no userIdentity, where AWS sends REMOVE with the service as the identity.
  // Handlers tell TTL deletes apart by that identity, so give them what AWS would.
  const ttlDelete = (record.eventName as string | undefined) === 'UNKNOWN_TO_SDK_VERSION';
  const userIdentity = ttlDelete ? { type: 'Service', principalId: 'dynamodb.amazonaws.com' } : record.userIdentity;
  return {
    eventID: record.eventID,
    eventName: ttlDelete ? 'REMOVE' : record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      // Lambda's event carries epoch seconds where the streams API client gives a Date.
      ApproximateCreationDateTime: stream.ApproximateCreationDateTime ? stream.ApproximateCreationDateTime.getTime() / 1000 : undefined,
      Keys: toLambdaImage(stream.Keys),
      ...(stream.NewImage ? { NewImage: toLambdaImage(stream.NewImage) } : {}),
      ...(stream.OldImage ? { OldImage: toLambdaImage(stream.OldImage) } : {}),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    },
    ...(userIdentity ? { userIdentity } : {}),
  };
}

function toLambdaImage(image: Record<string, AttributeValue> | undefined): Record<string, LambdaAttributeValue> | undefined {
  return image && Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));
}

// The event is JSON, so binary values arrive base64-encoded rather than as the client's Uint8Array.
function toLambdaValue(value: AttributeValue): LambdaAttributeValue {
  // An empty map comes back from DynamoDB Local's stream as {} (no member at all); AWS sends {"M":{}}.
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M)! };
  return value as LambdaAttributeValue;
}

export interface DynamoDbStreamEventSourceOptions {
  reader: DynamoDbStreamReader;
  handler: StreamRecordBatchHandler;
  filterPatterns?: unknown[];
  /** Default 100, Lambda's default for DynamoDB streams. */
  batchSize?: number;
  pollIntervalMs?: number;
  /** Honour batchItemFailures (functionResponseType: ReportBatchItemFailures); default true. */
  reportBatchItemFailures?: boolean;
  onError?: (error: unknown) => void;
  /** What an earlier source had read but not yet handled (its checkpoint()): handled first. */
  pending?: ShardRecords[];
}

/** The reader's position and the records read past it but not yet handled: together, nothing is lost or handled twice. */
export interface EventSourceCheckpoint {
  stream: StreamCheckpoint | undefined;
  pending: ShardRecords[];
}

export class DynamoDbStreamEventSource {
  readonly #reader: DynamoDbStreamReader;
  readonly #handler: StreamRecordBatchHandler;
  readonly #filterPatterns: unknown[];
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #reportBatchItemFailures: boolean;
  readonly #onError: (error: unknown) => void;
  // Matching records not yet handled successfully, per shard in stream order: a failure leaves the failed
  // record at the head of its shard, so it is retried before anything after it.
  #pending = new Map<string, ShardRecords>();
  #pumping: Promise<unknown> = Promise.resolve();
  #loop: Promise<void> | undefined;
  #running = false;
  #wake: (() => void) | undefined;

  constructor(options: DynamoDbStreamEventSourceOptions) {
    this.#reader = options.reader;
    this.#handler = options.handler;
    // Parsed up front so a bad pattern fails when the stack starts, not at the first record.
    this.#filterPatterns = parseFilterPatterns(options.filterPatterns ?? []);
    this.#batchSize = options.batchSize ?? 100;
    this.#pollIntervalMs = options.pollIntervalMs ?? 500;
    this.#reportBatchItemFailures = options.reportBatchItemFailures ?? true;
    this.#onError = options.onError ?? ((error) => console.error('dynamodb stream event source:', error));
    for (const shard of options.pending ?? []) this.#pending.set(shard.shardId, shard);
  }

  /** Taken after stop(), so no batch is in flight. */
  checkpoint(): EventSourceCheckpoint {
    return { stream: this.#reader.checkpoint(), pending: [...this.#pending.values()] };
  }

  /** One pass; returns how many records were handed to the handler (including ones it failed). */
  pump(): Promise<number> {
    const pass = this.#pumping.then(() => this.#pass());
    this.#pumping = pass.catch(() => undefined);
    return pass;
  }

  start(): void {
    if (this.#loop) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        try {
          await this.pump();
        } catch (error) {
          this.#onError(error);
        }
        if (!this.#running) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#pollIntervalMs);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
  }

  async #pass(): Promise<number> {
    for (const shard of await this.#reader.readNewByShard()) {
      // Lambda drops records that match no filter silently, moving the checkpoint past them.
      const matching = shard.records.filter((record) => matchesFilterPatterns(record, this.#filterPatterns));
      if (matching.length === 0) continue;
      const pending = this.#pending.get(shard.shardId);
      if (pending) pending.records.push(...matching);
      else this.#pending.set(shard.shardId, { ...shard, records: matching });
    }
    let delivered = 0;
    for (const [shardId, shard] of this.#pending) {
      if (shard.parentShardId && this.#pending.has(shard.parentShardId)) continue;
      while (shard.records.length > 0) {
        const batch = shard.records.slice(0, this.#batchSize);
        delivered += batch.length;
        const succeeded = await this.#invoke(batch);
        shard.records.splice(0, succeeded);
        if (succeeded < batch.length) break; // the shard waits for its failed record
      }
      if (shard.records.length === 0) this.#pending.delete(shardId);
    }
    return delivered;
  }

  /** How many records from the start of the batch are done with. */
  async #invoke(batch: DynamoDBStreamRecord[]): Promise<number> {
    let response: Awaited<ReturnType<StreamRecordBatchHandler>>;
    try {
      response = await this.#handler({ Records: batch });
    } catch (error) {
      this.#onError(error);
      return 0;
    }
    const failures = this.#reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
    let lowest = batch.length;
    for (const { itemIdentifier } of failures) {
      const index = batch.findIndex((record) => record.dynamodb?.SequenceNumber === itemIdentifier);
      // As Lambda does, an empty or unknown identifier fails the whole batch.
      if (!itemIdentifier || index < 0) {
        this.#onError(new Error(`batchItemFailures names ${JSON.stringify(itemIdentifier)}, not a sequence number of the batch`));
        return 0;
      }
      lowest = Math.min(lowest, index);
    }
    return lowest;
  }
}
