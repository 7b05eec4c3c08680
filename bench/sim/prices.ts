/**
 * List prices used by the simulation (us-east-1, on-demand, as published by AWS in 2025/2026; check
 * before relying on them): DynamoDB on-demand $0.625 per million write request units and $0.125 per
 * million read request units; Lambda arm64 $0.0000133334 per GB-second and $0.20 per million requests;
 * Step Functions Standard $0.025 per 1,000 state transitions; SQS standard $0.40 and SNS $0.50 per million
 * requests.
 */
export const prices = {
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  stepFunctionsTransition: 0.025 / 1000,
  sqsRequest: 0.4 / 1e6,
  snsPublish: 0.5 / 1e6,
};
