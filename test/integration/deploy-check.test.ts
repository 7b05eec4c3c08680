// `serverless package --stage prod` for real (osls, offline) refuses to build without a real target and
// builds with one: scripts/deploy-check.cjs as serverless.yml resolves it. The service is copied (its
// serverless.yml, scripts and config, and a stand-in for each bundle) into a directory of its own, so this
// runs beside packaged-deployment.test.ts, which rebuilds dist/ as it packages, without a race.
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServerlessConfig } from '../../local/provision/serverless-resources.ts';

const root = new URL('../../', import.meta.url).pathname;
let service: string;

beforeAll(() => {
  service = mkdtempSync(join(tmpdir(), 'bulkpilot-deploy-check-'));
  copyFileSync(join(root, 'serverless.yml'), join(service, 'serverless.yml'));
  cpSync(join(root, 'scripts'), join(service, 'scripts'), { recursive: true });
  mkdirSync(join(service, 'config'));
  copyFileSync(join(root, 'config', 'import-rules.json'), join(service, 'config', 'import-rules.json'));
  symlinkSync(join(root, 'node_modules'), join(service, 'node_modules'));
  // Packaging needs a file for each function's patterns; what the bundles hold is packaged-deployment's test.
  for (const fn of Object.values(readServerlessConfig(join(service, 'serverless.yml')).functions)) {
    const bundle = join(service, fn.handler.replace(/\.[^./]+$/, '.mjs'));
    mkdirSync(dirname(bundle), { recursive: true });
    writeFileSync(bundle, 'export const handler = async () => {};\n');
  }
});

afterAll(() => {
  if (service) rmSync(service, { recursive: true, force: true });
});

/** `npx serverless package --stage prod …` in the copy: its exit and what it printed. */
async function packageProd(params: string[], out: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('npx', ['serverless', 'package', '--stage', 'prod', '--package', join(service, out), ...params], {
      cwd: service,
      timeout: 120_000,
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout ?? ''}${stderr ?? ''}` };
  }
}

describe('serverless package --stage prod', () => {
  it('refuses to build without a target, naming the parameter to give', async () => {
    const { ok, output } = await packageProd([], 'out-none');
    expect(ok).toBe(false);
    expect(output).toContain(
      'bulkpilot: stage "prod" has no target: give --param="targetsFile=config/targets.json" (or --param="bdsMasterUrl=http://<master>:12311")',
    );
  }, 150_000);

  it('builds with a targets file of real addresses and a VPC, its check shown as the DeployCheck output', async () => {
    writeFileSync(
      join(service, 'config', 'targets-prod.json'),
      JSON.stringify({ default: 'lindorm', targets: { lindorm: { backend: 'lindorm-bulkload', url: 'https://lindorm.example.com:12311' } } }),
    );
    const { ok, output } = await packageProd(
      ['--param=targetsFile=config/targets-prod.json', '--param=vpcSubnetIds=subnet-aaa,subnet-bbb', '--param=vpcSecurityGroupIds=sg-ccc'],
      'out-real',
    );
    expect(output).not.toContain('bulkpilot:');
    expect(ok).toBe(true);
    const template = JSON.parse(readFileSync(join(service, 'out-real', 'cloudformation-template-update-stack.json'), 'utf8'));
    expect(template.Outputs.DeployCheck.Value).toBe('checked: stage prod, 1 target(s)');
    expect(template.Resources.SubmitLambdaFunction.Properties.Environment.Variables.TARGETS_FILE).toBe('config/targets-prod.json');
    expect(template.Conditions.InVpc).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['subnet-aaa,subnet-bbb', ''] }] });
  }, 150_000);
});
