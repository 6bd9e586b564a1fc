// The buckets (the images, the trends archive): created when missing; a bucket we may not use is
// a configuration error.
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ValidationCheck } from '../../contracts/provisioning';
import { fromS3Error } from '../failures';

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchBucket' || e?.$metadata?.httpStatusCode === 404;
}

export async function ensureBucket(s3: S3Client, bucket: string): Promise<string[]> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return [];
  } catch (error) {
    if (!isNotFound(error)) throw fromS3Error(error, `access to bucket ${bucket}`);
  }
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    // Another run created it in between: that is the state we want.
    if ((error as { name?: string }).name !== 'BucketAlreadyOwnedByYou') {
      throw fromS3Error(error, `creating bucket ${bucket}`);
    }
  }
  return [`created bucket ${bucket}`];
}

/** The pipeline's credentials can write, read back and delete an object in the bucket. */
export async function checkBucket(s3: S3Client, bucket: string): Promise<ValidationCheck> {
  const key = `_provisioning/probe-${Date.now()}.txt`;
  const body = `PetAdota provisioning probe ${new Date().toISOString()}`;
  const name = `bucket ${bucket} accepts a write and a read`;
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/plain' }));
    const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = await read.Body!.transformToString();
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    return text === body
      ? { area: 'bucket', name, ok: true, detail: `wrote, read back and deleted ${key}` }
      : { area: 'bucket', name, ok: false, detail: `read back different bytes from ${key}` };
  } catch (error) {
    return {
      area: 'bucket',
      name,
      ok: false,
      detail: `${(error as Error).name}: ${(error as Error).message}`,
    };
  }
}
