import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client } from '../../platform/clients';
import { config, uniqueName } from '../kit/platform';

const bucket = uniqueName('smoke');
const keys: string[] = [];
let s3: S3Client;

before(async () => {
  s3 = createS3Client(config.s3, 'admin');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

after(async () => {
  for (const Key of keys) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  s3.destroy();
});

async function putAndGet(
  key: string,
  body: Buffer | Readable,
  bytes: Buffer,
  client: S3Client = s3,
): Promise<void> {
  keys.push(key);
  const put = await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentLength: bytes.length,
      ContentType: 'image/jpeg',
    }),
  );
  // The SDK's default (WHEN_SUPPORTED) sends a CRC32 checksum, and the server verified and echoed it.
  assert.ok(put.ChecksumCRC32, 'PutObject returned no CRC32 checksum');

  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  const stored = Buffer.from(await got.Body!.transformToByteArray());

  assert.equal(got.ContentType, 'image/jpeg');
  assert.equal(got.ChecksumCRC32, put.ChecksumCRC32);
  assert.equal(
    createHash('sha256').update(stored).digest('hex'),
    createHash('sha256').update(bytes).digest('hex'),
  );
}

test('the S3 server is up and the bucket exists', async () => {
  const head = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  assert.equal(head.$metadata.httpStatusCode, 200);
});

test('AWS SDK v3 puts and gets a buffer with its default checksums', async () => {
  const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 31) % 256));
  await putAndGet('cachorro/labrador/labrador_01.jpg', bytes, bytes);
});

// A stream goes out with Transfer-Encoding: chunked. versitygw v1.8.0 (the newest release the Go
// module proxy serves) answers once it has read the aws-chunked trailer, and when the HTTP
// terminator "0\r\n\r\n" arrives in a later read it stays on the keep-alive connection: the next
// request there fails with BadRequest "An error occurred when parsing the HTTP request" (about one
// run in seven here). Fixed upstream after v1.8.0 (versity/versitygw#2378 closes such
// connections). So this client does not reuse connections. The pipeline is not affected: it puts
// Buffers, which carry a Content-Length that the gateway drains.
test('AWS SDK v3 puts and gets a stream (aws-chunked with a trailing checksum)', async () => {
  const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
  const oneRequestPerConnection = createS3Client(config.s3, 'admin', {
    requestHandler: { httpAgent: new Agent({ keepAlive: false }) },
  });
  try {
    await putAndGet(
      'gato/persa/persa_01.jpg',
      Readable.from([bytes.subarray(0, 100_000), bytes.subarray(100_000)]),
      bytes,
      oneRequestPerConnection,
    );
  } finally {
    oneRequestPerConnection.destroy();
  }
});
