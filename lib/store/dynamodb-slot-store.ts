import {
  ConditionalCheckFailedException,
  type ConsumedCapacity,
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CostLedger } from '../cost/cost-ledger.ts';
import type { AcquireResult, SlotHolder, SlotScope, SlotStore } from '../limits/slots.ts';

/** Slot items share the tasks table; their keys cannot collide with task ids (`t-<hex>`). */
const slotPrefix = 'slots#';
/** A holder is one attribute of the scope's item, so taking and giving back are single conditional updates. */
const holderPrefix = 'h_';
const maxConflictRounds = 20;

function isConflict(error: unknown): boolean {
  return error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict');
}

/**
 * One item per scope: `used` counts the holders, and each holder is an attribute of its own. Taking a slot
 * is conditional on the count being under the limit and the holder being absent; taking several (a target
 * and a destination) is one transaction. So concurrent submits, pollers and operators can never push a
 * scope over its limit, and a repeated take or give-back changes nothing.
 */
export class DynamoDbSlotStore implements SlotStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #ledger: CostLedger | undefined;
  /** Units are asked for only when a ledger records them: DynamoDB Local takes markedly longer to answer with them. */
  readonly #capacity: 'TOTAL' | 'NONE';

  /** With a ledger, what a take or a give-back consumes is the task's cost, as its own writes are. */
  constructor(options: { client: DynamoDBClient; tableName: string; ledger?: CostLedger }) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#ledger = options.ledger;
    this.#capacity = options.ledger ? 'TOTAL' : 'NONE';
  }

  #spent(taskId: string, consumed: ConsumedCapacity[] | undefined, kind: 'read' | 'write') {
    const units = (consumed ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
    if (kind === 'read') this.#ledger?.addCapacity(taskId, units, 0);
    else this.#ledger?.addCapacity(taskId, 0, units);
  }

  async acquire(taskId: string, scopes: readonly SlotScope[], holder: Omit<SlotHolder, 'taskId'>): Promise<AcquireResult> {
    // Concurrent takes of the same scope cancel each other's transactions (TransactionConflict): that is
    // contention, not a full scope, so it is tried again after a short random wait.
    for (let round = 0; ; round++) {
      try {
        return await this.#acquireOnce(taskId, scopes, holder);
      } catch (error) {
        if (!isConflict(error) || round >= maxConflictRounds) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (round + 1)));
      }
    }
  }

  /**
   * The usual take is the transaction alone, no read first. Only when a condition fails are the scopes read:
   * to tell a full scope from a slot this task holds already (a repeated take), whose missing rest is taken.
   */
  async #acquireOnce(
    taskId: string,
    scopes: readonly SlotScope[],
    holder: Omit<SlotHolder, 'taskId'>,
    missing: readonly SlotScope[] = scopes,
  ): Promise<AcquireResult> {
    if (missing.length === 0) return { kind: 'held' };
    const value = marshall({ taskId, ...holder }, { removeUndefinedValues: true });
    try {
      const out = await this.#client.send(
        new TransactWriteItemsCommand({
          ReturnConsumedCapacity: this.#capacity,
          TransactItems: missing.map((scope) => ({
            Update: {
              TableName: this.#table,
              Key: { taskId: { S: slotPrefix + scope.id } },
              UpdateExpression: 'SET #h = :holder ADD used :one',
              ConditionExpression: 'attribute_not_exists(#h) AND (attribute_not_exists(used) OR used < :max)',
              ExpressionAttributeNames: { '#h': holderPrefix + taskId },
              ExpressionAttributeValues: { ':holder': { M: value }, ':one': { N: '1' }, ':max': { N: String(scope.max) } },
            },
          })),
        }),
      );
      this.#spent(taskId, out.ConsumedCapacity, 'write');
      return { kind: 'held' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      // A conflicting transaction on the same items is a race, not a full scope: the caller tries again.
      if (reasons.some((r) => r.Code === 'TransactionConflict')) throw error;
      const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      const scope = missing[failed >= 0 ? failed : 0]!;
      // The condition also fails where this very task holds the slot (taken before, or by another call of it).
      const held = await Promise.all(missing.map((s) => this.#holds(s.id, taskId)));
      // A failed transaction still costs its writes; DynamoDB does not say how many here, so they are counted as 2 per item.
      this.#ledger?.addCapacity(taskId, 0, 2 * missing.length);
      if (held[missing.indexOf(scope)])
        return this.#acquireOnce(
          taskId,
          scopes,
          holder,
          missing.filter((_, i) => !held[i]),
        );
      return { kind: 'full', scope: scope.id, holders: (await this.holders(scope.id)).length, max: scope.max };
    }
  }

  async release(taskId: string, scopeIds: readonly string[]): Promise<void> {
    await Promise.all(
      scopeIds.map(async (id) => {
        try {
          const out = await this.#client.send(
            new UpdateItemCommand({
              ReturnConsumedCapacity: this.#capacity,
              TableName: this.#table,
              Key: { taskId: { S: slotPrefix + id } },
              UpdateExpression: 'REMOVE #h ADD used :minus',
              ConditionExpression: 'attribute_exists(#h)',
              ExpressionAttributeNames: { '#h': holderPrefix + taskId },
              ExpressionAttributeValues: { ':minus': { N: '-1' } },
            }),
          );
          this.#spent(taskId, out.ConsumedCapacity ? [out.ConsumedCapacity] : undefined, 'write');
        } catch (error) {
          // Not held (given back already, or never taken): nothing to do.
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }),
    );
  }

  async holders(scopeId: string): Promise<SlotHolder[]> {
    const item = await this.#item(scopeId);
    return Object.entries(item)
      .filter(([key]) => key.startsWith(holderPrefix))
      .map(([, value]) => value as SlotHolder)
      .sort((a, b) => a.since - b.since);
  }

  async #holds(scopeId: string, taskId: string): Promise<boolean> {
    return (await this.#item(scopeId, taskId))[holderPrefix + taskId] !== undefined;
  }

  async #item(scopeId: string, forTask?: string): Promise<Record<string, unknown>> {
    const out = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { taskId: { S: slotPrefix + scopeId } },
        ConsistentRead: true,
        ReturnConsumedCapacity: this.#capacity,
      }),
    );
    if (forTask) this.#spent(forTask, out.ConsumedCapacity ? [out.ConsumedCapacity] : undefined, 'read');
    return out.Item ? unmarshall(out.Item) : {};
  }
}
