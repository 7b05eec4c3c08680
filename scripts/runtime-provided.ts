// The nodejs24.x runtime ships the AWS SDK v3 clients: leaving them out of the bundles takes each function
// from 500–600 KiB to under 100 KiB and imports them from the runtime's copy. BUNDLE_AWS_SDK=1 bundles our
// pinned versions instead (larger bundles, no dependence on the runtime's SDK version).
export const runtimeProvided = ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs', '@aws-sdk/client-sns', '@aws-sdk/client-secrets-manager'];

export function externalPackages(env: Record<string, string | undefined>): string[] {
  return env.BUNDLE_AWS_SDK === '1' ? [] : runtimeProvided;
}
