import { describe, expect, it } from 'vitest';
import { filterPatternsOf, matchesFilterPatterns } from '../../../local/stack/event-filter.ts';

const matches = (record: unknown, ...patterns: unknown[]) => matchesFilterPatterns(record, patterns);

describe('filter pattern forms', () => {
  it('delivers every record when there are no patterns', () => {
    expect(matchesFilterPatterns({ anything: 1 }, [])).toBe(true);
  });

  it('accepts a JSON string, an object and a CloudFormation {Pattern} alike', () => {
    const record = { eventName: 'INSERT' };
    expect(matches(record, '{"eventName":["INSERT"]}')).toBe(true);
    expect(matches(record, { eventName: ['INSERT'] })).toBe(true);
    expect(matches(record, { Pattern: '{"eventName":["INSERT"]}' })).toBe(true);
    expect(matches(record, { Pattern: '{"eventName":["REMOVE"]}' })).toBe(false);
  });

  it('matches when any pattern matches', () => {
    const record = { eventName: 'MODIFY' };
    expect(matches(record, { eventName: ['INSERT'] }, { eventName: ['MODIFY'] })).toBe(true);
    expect(matches(record, { eventName: ['INSERT'] }, { eventName: ['REMOVE'] })).toBe(false);
  });

  it('reads filterPatterns from a serverless.yml event, or none', () => {
    const patterns = [{ dynamodb: { Keys: { taskId: { S: ['a'] } } } }];
    expect(filterPatternsOf({ stream: { type: 'dynamodb', arn: 'arn:x', filterPatterns: patterns } })).toBe(patterns);
    expect(filterPatternsOf({ stream: { type: 'dynamodb', arn: 'arn:x' } })).toEqual([]);
    expect(filterPatternsOf({ stream: 'arn:x' })).toEqual([]);
    expect(() => filterPatternsOf({ stream: { filterPatterns: { eventName: ['INSERT'] } } })).toThrow(/must be a list/);
  });
});

describe('values and nesting', () => {
  it('requires every key of a nested pattern to match', () => {
    const record = { a: { b: 'x', c: 1 } };
    expect(matches(record, { a: { b: ['x'], c: [1] } })).toBe(true);
    expect(matches(record, { a: { b: ['x'], c: [2] } })).toBe(false);
  });

  it('matches exact strings, numbers, booleans and null without coercion', () => {
    expect(matches({ v: 5 }, { v: [5] })).toBe(true);
    expect(matches({ v: '5' }, { v: [5] })).toBe(false);
    expect(matches({ v: true }, { v: [true] })).toBe(true);
    expect(matches({ v: null }, { v: [null] })).toBe(true);
    expect(matches({}, { v: [null] })).toBe(false);
  });

  it('fails a pattern whose key is absent from the record', () => {
    expect(matches({ a: {} }, { a: { b: ['x'] } })).toBe(false);
    expect(matches({}, { a: { b: ['x'] } })).toBe(false);
  });

  it('matches an array value when any of its elements matches', () => {
    expect(matches({ tags: ['x', 'y'] }, { tags: ['y'] })).toBe(true);
    expect(matches({ tags: ['x', 'y'] }, { tags: ['z'] })).toBe(false);
    expect(matches({ items: [{ k: 1 }, { k: 2 }] }, { items: { k: [2] } })).toBe(true);
  });
});

describe('operators', () => {
  it('anything-but matches other values, and never an absent key', () => {
    expect(matches({ s: 'a' }, { s: [{ 'anything-but': ['b', 'c'] }] })).toBe(true);
    expect(matches({ s: 'b' }, { s: [{ 'anything-but': ['b', 'c'] }] })).toBe(false);
    expect(matches({ s: 'b' }, { s: [{ 'anything-but': 'b' }] })).toBe(false);
    expect(matches({ n: 3 }, { n: [{ 'anything-but': 4 }] })).toBe(true);
    expect(matches({}, { s: [{ 'anything-but': ['b'] }] })).toBe(false);
  });

  it('exists tests presence of a leaf, and exists:false matches an absent key', () => {
    expect(matches({ a: 'x' }, { a: [{ exists: true }] })).toBe(true);
    expect(matches({}, { a: [{ exists: true }] })).toBe(false);
    expect(matches({}, { a: [{ exists: false }] })).toBe(true);
    expect(matches({ a: 'x' }, { a: [{ exists: false }] })).toBe(false);
    expect(matches({}, { a: { b: [{ exists: false }] } })).toBe(true);
  });

  it('exists does not see intermediate nodes, as Lambda warns for DynamoDB images', () => {
    const record = { dynamodb: { NewImage: { state: { S: 'RUNNING' } } } };
    expect(matches(record, { dynamodb: { NewImage: { state: [{ exists: true }] } } })).toBe(false);
    expect(matches(record, { dynamodb: { NewImage: { state: { S: [{ exists: true }] } } } })).toBe(true);
  });

  it('prefix matches the start of strings only', () => {
    expect(matches({ id: 'task-1' }, { id: [{ prefix: 'task-' }] })).toBe(true);
    expect(matches({ id: 'job-1' }, { id: [{ prefix: 'task-' }] })).toBe(false);
    expect(matches({ id: 7 }, { id: [{ prefix: '7' }] })).toBe(false);
  });

  it('numeric applies every comparison to JSON numbers only', () => {
    const range = { n: [{ numeric: ['>', 0, '<=', 5] }] };
    expect(matches({ n: 5 }, range)).toBe(true);
    expect(matches({ n: 0 }, range)).toBe(false);
    expect(matches({ n: 6 }, range)).toBe(false);
    expect(matches({ n: '3' }, range)).toBe(false);
    expect(matches({ n: 3 }, { n: [{ numeric: ['=', 3] }] })).toBe(true);
    expect(matches({ n: 3 }, { n: [{ numeric: ['!=', 3] }] })).toBe(false);
    expect(matches({ n: 3 }, { n: [{ numeric: ['<', 4, '>=', 3] }] })).toBe(true);
  });

  it('ORs the alternatives of one key', () => {
    expect(matches({ s: 'b' }, { s: ['a', { prefix: 'b' }] })).toBe(true);
  });

  it('throws naming an unknown operator, even when another pattern would match first', () => {
    expect(() => matches({ s: 'a' }, { s: [{ prefx: 'a' }] })).toThrow(/unknown filter operator "prefx"/);
    expect(() => matches({ s: 'a' }, { s: ['a'] }, { s: [{ anything_but: ['a'] }] })).toThrow(/anything_but/);
    expect(() => matches({ n: 1 }, { n: [{ numeric: ['=>', 1] }] })).toThrow(/numeric operator "=>"/);
  });

  it('throws on a leaf that is not a list, which Lambda rejects', () => {
    expect(() => matches({ s: 'a' }, { s: 'a' })).toThrow(/expected a list/);
    expect(() => matches({ s: 'a' }, '{not json')).toThrow(/not valid JSON/);
  });
});

describe('a DynamoDB stream record', () => {
  const failedTransition = {
    eventName: ['MODIFY'],
    dynamodb: { NewImage: { state: { S: ['FAILED'] } }, OldImage: { state: { S: [{ 'anything-but': ['FAILED'] }] } } },
  };
  const record = (oldState: string | undefined, eventName = 'MODIFY') => ({
    eventName,
    dynamodb: {
      Keys: { taskId: { S: 't1' } },
      NewImage: { taskId: { S: 't1' }, state: { S: 'FAILED' } },
      ...(oldState ? { OldImage: { taskId: { S: 't1' }, state: { S: oldState } } } : {}),
    },
  });

  it('matches a transition into FAILED', () => {
    expect(matches(record('RUNNING'), failedTransition)).toBe(true);
  });

  it('does not match when the item was already FAILED', () => {
    expect(matches(record('FAILED'), failedTransition)).toBe(false);
  });

  it('does not match an INSERT, which has no OldImage', () => {
    expect(matches(record(undefined, 'INSERT'), failedTransition)).toBe(false);
    expect(matches(record(undefined, 'INSERT'), { ...failedTransition, eventName: ['MODIFY', 'INSERT'] })).toBe(false);
  });
});
