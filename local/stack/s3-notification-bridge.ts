// fauxqs stores objects but sends no S3 event notifications. This bridge lists the bucket every second
// and, for each new object (or new ETag of a key), sends the notification S3 would send to the bucket's
// configured queue, in S3's own shape (URL-encoded key, `+` for spaces). Downstream, everything is as in
// AWS: S3 → SQS → on-file.
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export class S3NotificationBridge {
  readonly #seen = new Map<string, string>();
  readonly #options: { s3: S3Client; sqs: SQSClient; bucket: string; queueUrl: string; region: string; intervalMs?: number };
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  /** seen: an earlier bridge's seen(), so objects it notified are not notified again after a restart. */
  constructor(options: {
    s3: S3Client;
    sqs: SQSClient;
    bucket: string;
    queueUrl: string;
    region: string;
    intervalMs?: number;
    seen?: Array<[string, string]>;
  }) {
    this.#options = options;
    for (const [key, etag] of options.seen ?? []) this.#seen.set(key, etag);
  }

  /** Each key notified, with the ETag it was notified for. */
  seen(): Array<[string, string]> {
    return [...this.#seen];
  }

  /** One pass: notifies every object not notified before; returns how many. */
  async scan(): Promise<number> {
    const { s3, sqs, bucket, queueUrl, region } = this.#options;
    let token: string | undefined;
    let sent = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const key = object.Key!;
        const etag = (object.ETag ?? '').replace(/"/g, '');
        if (this.#seen.get(key) === etag) continue;
        this.#seen.set(key, etag);
        const record = {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: region,
          eventTime: (object.LastModified ?? new Date()).toISOString(),
          eventName: 'ObjectCreated:Put',
          s3: {
            s3SchemaVersion: '1.0',
            bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
            object: {
              key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
              size: object.Size ?? 0,
              eTag: etag,
              sequencer: Date.now().toString(16).toUpperCase(),
            },
          },
        };
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ Records: [record] }) }));
        sent++;
      }
      token = page.NextContinuationToken;
    } while (token);
    return sent;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#running ??= this.scan()
        .catch((error: unknown) => console.error(JSON.stringify({ stack: 'local', bridge: 's3', error: String(error) })))
        .then(() => {
          this.#running = undefined;
        });
    }, this.#options.intervalMs ?? 1000);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
