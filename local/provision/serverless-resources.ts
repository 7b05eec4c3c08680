// Reads the CloudFormation resources declared in serverless.yml, so local provisioning creates exactly the
// table and queues that deploy would, without a second copy of their definitions.
import { readFileSync } from 'node:fs';
import { parse, type Tags } from 'yaml';

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}

const intrinsicTags: Tags = [
  'Ref',
  'GetAtt',
  'Sub',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'ImportValue',
  'Base64',
  'GetAZs',
  'Condition',
].flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const resolve = (value: unknown) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
  return [
    { tag: `!${name}`, resolve: (value: string) => resolve(value) },
    { tag: `!${name}`, collection: 'seq' as const, resolve: (value: { toJSON(): unknown }) => resolve(value.toJSON()) },
    { tag: `!${name}`, collection: 'map' as const, resolve: (value: { toJSON(): unknown }) => resolve(value.toJSON()) },
  ];
});

export interface ServerlessFunction {
  handler: string;
  timeout?: number;
  environment?: Record<string, unknown>;
  events?: Array<Record<string, any>>;
}

export interface ServerlessConfig {
  service: string;
  params?: Record<string, Record<string, unknown>>;
  custom?: Record<string, unknown>;
  provider: { timeout?: number; environment?: Record<string, unknown> };
  functions: Record<string, ServerlessFunction>;
  resources?: { Resources?: Record<string, CfnResource> };
}

export const serverlessYmlPath = new URL('../../serverless.yml', import.meta.url).pathname;

/** serverless.yml as written: intrinsic tags become their JSON form ({Ref}, {Fn::GetAtt}); ${…} variables stay text. */
export function readServerlessConfig(path = serverlessYmlPath): ServerlessConfig {
  return parse(readFileSync(path, 'utf8'), { customTags: intrinsicTags }) as ServerlessConfig;
}

export function readServerlessResources(path = serverlessYmlPath): Record<string, CfnResource> {
  const resources = readServerlessConfig(path).resources?.Resources;
  if (!resources) throw new Error(`${path}: no resources.Resources section`);
  return resources;
}

export function resourceOfType(resources: Record<string, CfnResource>, logicalId: string, type: string): CfnResource {
  const resource = resources[logicalId];
  if (!resource) throw new Error(`serverless.yml: no resource ${logicalId}`);
  if (resource.Type !== type) throw new Error(`serverless.yml: ${logicalId} is ${resource.Type}, expected ${type}`);
  return resource;
}
