// The environment a function gets from serverless.yml, resolved for the local stage: `!Ref X` becomes the
// local name or URL of resource X; `${param:p}` the stage params' default; `${sls:stage}` the local stage;
// `${self:a.b}` that value of the file. A variable the process's own environment sets (BDS_MASTER_URL, a
// RETRY_* override…) wins over the file, as a deploy-time --param would.
import type { ServerlessConfig } from '../provision/serverless-resources.ts';

export function functionEnvironment(
  config: ServerlessConfig,
  functionName: string,
  refs: Record<string, string>,
  locals: { stage: string; overrides: Record<string, string> },
  processEnv: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const declared = { ...config.provider.environment, ...config.functions[functionName]?.environment };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(declared)) {
    const fromProcess = processEnv[name] ?? locals.overrides[name];
    if (fromProcess !== undefined) {
      env[name] = fromProcess;
    } else if (typeof value === 'object' && value !== null && 'Ref' in value) {
      const ref = refs[String((value as { Ref: unknown }).Ref)];
      if (ref === undefined)
        throw new Error(`serverless.yml: ${name} refers to ${String((value as { Ref: unknown }).Ref)}, which the local stack does not provide`);
      env[name] = ref;
    } else if (value !== undefined && value !== null) {
      env[name] = resolveVariables(String(value), config, locals.stage, `provider.environment.${name}`);
    }
  }
  return env;
}

export function resolveVariables(text: string, config: ServerlessConfig, stage: string, where: string): string {
  return text.replace(/\$\{([^}]+)\}/g, (_whole, expression: string) => {
    const [source, ...rest] = expression.split(':');
    const address = rest.join(':').split(',')[0]!.trim();
    if (source === 'sls' && address === 'stage') return stage;
    if (source === 'param') {
      const value = config.params?.[stage]?.[address] ?? config.params?.default?.[address];
      if (value === undefined) throw new Error(`serverless.yml: ${where}: no param ${address} for stage ${stage} or default`);
      return String(value);
    }
    if (source === 'self') {
      const value = address.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
      if (value === undefined) throw new Error(`serverless.yml: ${where}: \${self:${address}} is not defined`);
      return resolveVariables(String(value), config, stage, where);
    }
    throw new Error(`serverless.yml: ${where}: the local stack cannot resolve \${${expression}}`);
  });
}
