// The environment a function gets from serverless.yml, resolved against local resources: `!Ref X` becomes
// the local name or URL of resource X; a `${…}` variable is taken from this process's environment when it
// sets the same variable (BDS_MASTER_URL), else from the local default given.
import type { ServerlessConfig } from '../provision/serverless-resources.ts';

export function functionEnvironment(
  config: ServerlessConfig,
  functionName: string,
  refs: Record<string, string>,
  defaults: Record<string, string>,
  processEnv: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const declared = { ...config.provider.environment, ...config.functions[functionName]?.environment };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(declared)) {
    if (typeof value === 'object' && value !== null && 'Ref' in value) {
      const ref = refs[String((value as { Ref: unknown }).Ref)];
      if (ref === undefined) throw new Error(`serverless.yml: ${name} refers to ${String((value as { Ref: unknown }).Ref)}, which the local stack does not provide`);
      env[name] = ref;
    } else if (typeof value === 'string' && value.includes('${')) {
      const local = processEnv[name] ?? defaults[name];
      if (local === undefined) throw new Error(`serverless.yml: ${name} = ${value} has no local value; set ${name}`);
      env[name] = local;
    } else if (value !== undefined && value !== null) {
      env[name] = String(value);
    }
  }
  return env;
}
