// A stage other than dev, local and test is packaged or deployed only with a real target: the check
// serverless.yml resolves (scripts/deploy-check.cjs) refuses, naming the parameter, what would otherwise
// fail at run time as DNS errors, redeliveries and dead letters.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

type Context = { resolveVariable: (v: string) => Promise<unknown>; command?: string; root?: string; warn?: (line: string) => void };
const require = createRequire(import.meta.url);
const deployCheck = require('../../../scripts/deploy-check.cjs') as ((ctx: Context) => Promise<string>) & { commandOf(argv: string[]): string };

const placeholder = 'http://bds-master.invalid:12311';
const vpc = { vpcSubnetIds: 'subnet-aaa,subnet-bbb', vpcSecurityGroupIds: 'sg-ccc' };

/** The check as serverless runs it for `serverless <command> --stage <stage>`, with the params' defaults of serverless.yml. */
async function check(stage: string, params: Record<string, string> = {}, options: { command?: string; files?: Record<string, unknown> } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'deploy-check-'));
  mkdirSync(join(root, 'config'));
  for (const [path, content] of Object.entries(options.files ?? {}))
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  const values: Record<string, string> = { targetsFile: '', bdsMasterUrl: placeholder, vpcSubnetIds: '', vpcSecurityGroupIds: '', ...params };
  const warnings: string[] = [];
  const resolveVariable = async (variable: string) => {
    if (variable === 'sls:stage') return stage;
    if (variable.startsWith('param:') && variable.slice(6) in values) return values[variable.slice(6)];
    throw new Error(`unexpected variable ${variable}`);
  };
  const run = deployCheck({ resolveVariable, command: options.command ?? 'package', root, warn: (line) => warnings.push(line) });
  return { run, warnings };
}

const refusal = async (stage: string, params: Record<string, string> = {}, options: { command?: string; files?: Record<string, unknown> } = {}) => {
  const { run } = await check(stage, params, options);
  return run.then(
    (value) => {
      throw new Error(`expected a refusal, got ${value}`);
    },
    (error: Error) => error.message,
  );
};

const lindormFile = (url: string) => ({ 'config/targets-prod.json': { targets: { lindorm: { backend: 'lindorm-bulkload', url } } } });
const withFile = { targetsFile: 'config/targets-prod.json' };

describe('a strict stage (prod, staging, any but dev, local and test)', () => {
  it('refuses no target at all, naming both parameters', async () => {
    const message = 'bulkpilot: stage "prod" has no target: give --param="targetsFile=config/targets.json" (or --param="bdsMasterUrl=http://<master>:12311")';
    expect(await refusal('prod')).toBe(message);
    expect(await refusal('prod', { bdsMasterUrl: '' })).toBe(message);
    expect(await refusal('staging')).toBe(message.replace('"prod"', '"staging"'));
    expect(await refusal('dev2')).toContain('stage "dev2" has no target');
  });

  it('refuses a targets file that is missing, not JSON, without targets, or not under config/', async () => {
    expect(await refusal('prod', { targetsFile: 'config/missing.json' })).toMatch(
      /^bulkpilot: stage "prod": targetsFile "config\/missing\.json" does not exist \(no .*config\/missing\.json\): give --param="targetsFile=config\/<file>\.json"/,
    );
    expect(await refusal('prod', withFile, { files: { 'config/targets-prod.json': '{ "targets": ' } })).toMatch(
      /^bulkpilot: stage "prod": targetsFile "config\/targets-prod\.json" is not JSON \(/,
    );
    for (const document of [{}, { targets: {} }, [], { targets: [] }])
      expect(await refusal('prod', withFile, { files: { 'config/targets-prod.json': document } })).toBe(
        'bulkpilot: stage "prod": targetsFile "config/targets-prod.json" names no target: it needs "targets": { "<name>": { "backend": …, "url": … } }',
      );
    for (const targetsFile of ['/tmp/targets.json', 'targets.json', 'config/../targets.json'])
      expect(await refusal('prod', { targetsFile })).toBe(
        `bulkpilot: stage "prod": targetsFile "${targetsFile}" must be a path under config/ (only config/** is packaged with the functions): give --param="targetsFile=config/<file>.json"`,
      );
  });

  it('refuses a target URL that is a placeholder or this machine, in the file or in bdsMasterUrl', async () => {
    expect(await refusal('prod', withFile, { files: lindormFile('https://ld-1.invalid:12311') })).toBe(
      'bulkpilot: stage "prod": targets.lindorm.url in config/targets-prod.json "https://ld-1.invalid:12311" is a placeholder (.invalid): give the target\'s real address in config/targets-prod.json',
    );
    for (const url of ['https://localhost:12311', 'https://127.0.0.1:12311', 'https://127.8.9.10', 'https://[::1]:12311', 'https://master.localhost'])
      expect(await refusal('prod', withFile, { files: lindormFile(url) })).toContain(
        `targets.lindorm.url in config/targets-prod.json "${url}" points at this machine, which a Lambda function cannot reach`,
      );
    expect(await refusal('prod', { bdsMasterUrl: 'http://127.0.0.1:12311', ...vpc })).toBe(
      'bulkpilot: stage "prod": bdsMasterUrl "http://127.0.0.1:12311" points at this machine, which a Lambda function cannot reach: give --param="bdsMasterUrl=http://<master>:12311", or a targets file',
    );
    expect(await refusal('prod', withFile, { files: lindormFile('not a url') })).toContain(
      'targets.lindorm.url in config/targets-prod.json "not a url" is not a URL',
    );
    expect(await refusal('prod', withFile, { files: { 'config/targets-prod.json': { targets: { lindorm: { backend: 'lindorm-bulkload' } } } } })).toContain(
      'targets.lindorm.url in config/targets-prod.json is missing',
    );
  });

  it("checks every endpoint of a Huawei target: the service's and the IAM endpoint of iam-password auth", async () => {
    const cdm = (iamUrl: string) => ({
      'config/targets-prod.json': {
        targets: {
          cdm: {
            backend: 'huawei-cdm',
            url: 'https://cdm.cn-north-4.myhuaweicloud.com',
            projectId: 'p1',
            auth: { type: 'iam-password', iamUrl, domain: 'd', user: 'u', password: { secret: 'bulkpilot/hw', key: 'password' }, project: 'cn-north-4' },
          },
        },
      },
    });
    expect(await refusal('prod', withFile, { files: cdm('http://127.0.0.1:12340') })).toContain(
      'targets.cdm.auth.iamUrl in config/targets-prod.json "http://127.0.0.1:12340" points at this machine',
    );
    const { run, warnings } = await check('prod', withFile, { files: cdm('https://iam.cn-north-4.myhuaweicloud.com') });
    expect(await run).toBe('checked: stage prod, 1 target(s)');
    expect(warnings).toEqual([]);
  });

  it('refuses a plain-HTTP target while the functions have no VPC; with one it passes with a warning', async () => {
    expect(await refusal('prod', { bdsMasterUrl: 'http://ld-xxxx-master1:12311' })).toBe(
      'bulkpilot: stage "prod": bdsMasterUrl "http://ld-xxxx-master1:12311" is plain HTTP and the functions have no VPC, so they would reach it across the internet in clear text: ' +
        'give --param="vpcSubnetIds=subnet-…,subnet-…" --param="vpcSecurityGroupIds=sg-…" whose route to it is private (a VPN or a dedicated line), or an https:// URL',
    );
    expect(await refusal('prod', withFile, { files: lindormFile('http://ld-xxxx-master1:12311') })).toContain(
      'targets.lindorm.url in config/targets-prod.json "http://ld-xxxx-master1:12311" is plain HTTP and the functions have no VPC',
    );
    const { run, warnings } = await check('prod', { ...withFile, ...vpc }, { files: lindormFile('http://ld-xxxx-master1:12311') });
    expect(await run).toBe('checked: stage prod, 1 target(s)');
    expect(warnings).toEqual([
      'bulkpilot: warning: stage "prod": targets.lindorm.url in config/targets-prod.json "http://ld-xxxx-master1:12311" is plain HTTP: keep the subnets\' route to it private (a VPN or a dedicated line), not the NAT gateway',
    ]);
  });

  it('refuses subnets without security groups, and security groups without subnets', async () => {
    expect(await refusal('prod', { bdsMasterUrl: 'https://ld-1.example.com:12311', vpcSubnetIds: 'subnet-aaa' })).toBe(
      'bulkpilot: stage "prod": vpcSubnetIds is given but vpcSecurityGroupIds is empty: give --param="vpcSecurityGroupIds=sg-…" (the functions need a security group in the VPC)',
    );
    expect(await refusal('prod', { bdsMasterUrl: 'https://ld-1.example.com:12311', vpcSecurityGroupIds: 'sg-ccc' })).toContain(
      'vpcSecurityGroupIds is given but vpcSubnetIds is empty',
    );
  });

  it('names every finding at once, one line each', async () => {
    const files = {
      'config/targets-prod.json': {
        targets: { a: { backend: 'lindorm-bulkload', url: 'http://a.invalid:12311' }, b: { backend: 'linkis', url: 'http://linkis-gw:9001' } },
      },
    };
    const lines = (await refusal('prod', withFile, { files })).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('targets.a.url in config/targets-prod.json "http://a.invalid:12311" is a placeholder (.invalid)');
    expect(lines[1]).toContain('targets.b.url in config/targets-prod.json "http://linkis-gw:9001" is plain HTTP and the functions have no VPC');
  });

  it('passes a real configuration: HTTPS targets with no VPC, or a master URL and a VPC', async () => {
    const files = {
      'config/targets-prod.json': {
        targets: {
          lindorm: { backend: 'lindorm-bulkload', url: 'https://lindorm.example.com:12311' },
          dis: { backend: 'huawei-dis', url: 'https://dis.cn-north-4.myhuaweicloud.com', projectId: 'p1', auth: { type: 'aksk' } },
        },
      },
    };
    const file = await check('prod', withFile, { files });
    expect(await file.run).toBe('checked: stage prod, 2 target(s)');
    expect(file.warnings).toEqual([]);
    expect(await (await check('prod', { bdsMasterUrl: 'http://ld-xxxx-master1:12311', ...vpc })).run).toBe('checked: stage prod, 1 target(s)');
  });

  it('uses config/targets.json when no targets file is named, as the functions do', async () => {
    expect(
      await refusal('prod', {}, { files: { 'config/targets.json': { targets: { l: { backend: 'lindorm-bulkload', url: 'https://localhost' } } } } }),
    ).toContain('targets.l.url in config/targets.json "https://localhost" points at this machine');
    const { run } = await check(
      'prod',
      {},
      { files: { 'config/targets.json': { targets: { l: { backend: 'lindorm-bulkload', url: 'https://ld.example.com' } } } } },
    );
    expect(await run).toBe('checked: stage prod, 1 target(s)');
  });
});

describe('the permissive stages dev, local and test', () => {
  it('package with the placeholder, printing what a strict stage would refuse as a warning', async () => {
    for (const stage of ['dev', 'local', 'test']) {
      const { run, warnings } = await check(stage);
      expect(await run).toBe(`not enforced: stage ${stage} is permissive (1 warning(s))`);
      expect(warnings).toEqual([
        `bulkpilot: warning: stage "${stage}" has no target: give --param="targetsFile=config/targets.json" (or --param="bdsMasterUrl=http://<master>:12311") (not refused: dev, local, test are permissive stages)`,
      ]);
    }
  });
});

describe('the commands it checks', () => {
  it('are package and deploy (every deploy command); info, remove, print and the like need no target', async () => {
    expect(await refusal('prod', {}, { command: 'deploy' })).toContain('has no target');
    expect(await refusal('prod', {}, { command: 'deploy function' })).toContain('has no target');
    expect(await refusal('prod', {}, { command: '' })).toContain('has no target'); // unknown: checked
    for (const command of ['remove', 'info', 'print', 'logs'])
      expect(await (await check('prod', {}, { command })).run).toBe(`not checked (serverless ${command})`);
  });

  it("reads the command from serverless's arguments: the words before the first option", () => {
    expect(deployCheck.commandOf(['package', '--stage', 'prod'])).toBe('package');
    expect(deployCheck.commandOf(['deploy', 'function', '-f', 'submit', '--stage', 'prod'])).toBe('deploy function');
    expect(deployCheck.commandOf(['--stage', 'prod', 'deploy'])).toBe('');
    expect(deployCheck.commandOf([])).toBe('');
  });
});
