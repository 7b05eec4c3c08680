import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backendCatalog } from '../../../lib/backends/catalog.ts';

const root = new URL('../../../', import.meta.url).pathname;
const {
  requestId: _r,
  target: _t,
  backend: _b,
  maxDurationMinutes: _m,
  retry: _x,
  ...lindormSeed
} = JSON.parse(readFileSync(`${root}events/requests/seed-example.json`, 'utf8'));
const fieldsOf = (file: string) => {
  const {
    requestId: _1,
    target: _2,
    backend: _3,
    maxDurationMinutes: _4,
    retry: _5,
    ...fields
  } = JSON.parse(readFileSync(`${root}events/requests/${file}`, 'utf8'));
  return fields as Record<string, unknown>;
};
const keyOf = (backend: string, fields: Record<string, unknown>) => {
  const requests = backendCatalog.get(backend)!.requests;
  return requests.destinationKey(requests.parseRequest(fields));
};

describe('destination keys: the unit two loads must not write at once, as each backend defines it', () => {
  it('Lindorm: the destination instance and the writer table (namespace default when absent)', () => {
    expect(keyOf('lindorm-bulkload', lindormSeed)).toBe('ld/default:bulkload_test');
    const writer = {
      ...JSON.parse(typeof lindormSeed.writerConfig === 'string' ? lindormSeed.writerConfig : JSON.stringify(lindormSeed.writerConfig)),
      namespace: 'sales',
      lindormTable: 'orders',
    };
    expect(keyOf('lindorm-bulkload', { ...lindormSeed, writerConfig: writer })).toBe('ld/sales:orders');
  });

  it('Linkis: the engine type and the creator it runs as', () => {
    expect(keyOf('linkis', fieldsOf('linkis-seed-example.json'))).toBe('spark-2.4.3/hadoop-IDE');
  });

  it('CDM: the destination link and what the job writes there (stream, table with its schema, index)', () => {
    const seed = fieldsOf('cdm-seed-example.json');
    expect(keyOf('huawei-cdm', seed)).toBe('dis/dis-lkGm');
    const job = (seed.jobs as Array<Record<string, unknown>>)[0]!;
    const toTable = {
      ...seed,
      jobs: [
        {
          ...job,
          'to-link-name': 'dws',
          'to-config-values': {
            configs: [
              {
                name: 'toJobConfig',
                inputs: [
                  { name: 'toJobConfig.schemaName', value: 'public' },
                  { name: 'toJobConfig.tableName', value: 'orders' },
                ],
              },
            ],
          },
        },
      ],
    };
    expect(keyOf('huawei-cdm', toTable)).toBe('dws/public.orders');
  });

  it('DIS: the stream (five dump tasks at most per stream)', () => {
    expect(keyOf('huawei-dis', fieldsOf('dis-seed-example.json'))).toBe(fieldsOf('dis-seed-example.json').streamName);
  });
});
