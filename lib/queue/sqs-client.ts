import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

/**
 * The SQS client of every bulkpilot process. Its endpoint comes from the SDK's own resolution (region, or
 * AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL), never from the host inside a queue URL: emulators hand out
 * queue URLs whose host does not resolve (sqs.<region>.localhost), and a queue URL in configuration
 * should not be able to send our traffic elsewhere.
 */
export function createSqsClient(options: Omit<SQSClientConfig, 'useQueueUrlAsEndpoint'> = {}): SQSClient {
  return new SQSClient({ ...options, useQueueUrlAsEndpoint: false });
}
