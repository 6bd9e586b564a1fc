// The buckets (the images, the trends archive): created when missing, with the access that
// infra/s3/access.json declares for each role's key; validation proves each key may do exactly that.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ValidationCheck } from '../../contracts/provisioning';
import type { S3Role } from '../../platform/clients';
import { REPO_ROOT } from '../../platform/settings';
import { fromS3Error } from '../failures';

export const ACCESS_FILE = join(REPO_ROOT, 'infra', 's3', 'access.json');

/** The roles a bucket policy may name; the admin key is the server's root and needs none. */
export type BucketRole = Exclude<S3Role, 'admin'>;
export const BUCKET_ROLES: BucketRole[] = ['pipeline', 'stream', 'readonly'];
export type Access = 'read' | 'write';
/** The buckets of access.json: `images` is S3_BUCKET, `archive` is S3_ARCHIVE_BUCKET. */
export type BucketKind = 'images' | 'archive';

export interface AccessSpec {
  access: Record<Access, { objects: string[]; bucket: string[] }>;
  buckets: Record<BucketKind, Partial<Record<BucketRole, Access>>>;
}

export async function readAccessSpec(file = ACCESS_FILE): Promise<AccessSpec> {
  const spec = JSON.parse(await readFile(file, 'utf8')) as AccessSpec;
  for (const kind of ['images', 'archive'] as const) {
    const grants = Object.entries(spec.buckets?.[kind] ?? {});
    if (grants.filter(([, access]) => access === 'write').length !== 1) {
      throw new Error(`${file}: bucket ${kind} must have exactly one writing role`);
    }
    for (const [role, access] of grants) {
      if (!BUCKET_ROLES.includes(role as BucketRole) || !spec.access[access]) {
        throw new Error(`${file}: bucket ${kind}: unknown role or access ${role}: ${access}`);
      }
    }
  }
  return spec;
}

/** The bucket policy granting each named role's access key its access (principals are bare key ids). */
export function bucketPolicy(
  spec: AccessSpec,
  kind: BucketKind,
  bucket: string,
  accessKeyIds: Record<BucketRole, string>,
): object {
  const Statement = Object.entries(spec.buckets[kind]).flatMap(([role, access]) => {
    const Principal = { AWS: [accessKeyIds[role as BucketRole]] };
    const actions = spec.access[access];
    return [
      { Effect: 'Allow', Principal, Action: actions.objects, Resource: [`arn:aws:s3:::${bucket}/*`] },
      { Effect: 'Allow', Principal, Action: actions.bucket, Resource: [`arn:aws:s3:::${bucket}`] },
    ];
  });
  return { Version: '2012-10-17', Statement };
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'NotFound' ||
    e?.name === 'NoSuchBucket' ||
    e?.name === 'NoSuchBucketPolicy' ||
    e?.$metadata?.httpStatusCode === 404
  );
}

function isDenied(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'AccessDenied' || e?.$metadata?.httpStatusCode === 403;
}

/** With `policy`, the bucket's policy is made exactly that (cloud mode: IAM is Terraform's). */
export async function ensureBucket(admin: S3Client, bucket: string, policy?: object): Promise<string[]> {
  const changes: string[] = [];
  try {
    await admin.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!isNotFound(error))
      throw fromS3Error(error, `the admin key (S3_ADMIN_ACCESS_KEY_ID) bucket ${bucket}`);
    try {
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
      changes.push(`created bucket ${bucket}`);
    } catch (error) {
      // Another run created it in between: that is the state we want.
      if ((error as { name?: string }).name !== 'BucketAlreadyOwnedByYou') {
        throw fromS3Error(error, `creating bucket ${bucket}`);
      }
    }
  }
  if (policy === undefined) return changes;
  let current: unknown = null;
  try {
    const got = await admin.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    current = JSON.parse(got.Policy ?? 'null');
  } catch (error) {
    if (!isNotFound(error)) throw fromS3Error(error, `reading the policy of bucket ${bucket}`);
  }
  if (JSON.stringify(current) !== JSON.stringify(policy)) {
    try {
      await admin.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    } catch (error) {
      throw fromS3Error(error, `setting the policy of bucket ${bucket}`);
    }
    changes.push(`set the access policy of bucket ${bucket}`);
  }
  return changes;
}

const describe = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`;

/** `attempt` must be refused: true when it was, else what happened instead. */
async function refused(attempt: () => Promise<unknown>): Promise<true | string> {
  try {
    await attempt();
    return 'it was allowed';
  } catch (error) {
    return isDenied(error) ? true : describe(error);
  }
}

/**
 * Each role's key does exactly what the bucket grants it: the writer writes, reads back and
 * deletes a probe; a reader reads it and is refused a write and a delete; every other role is
 * refused a read and a listing.
 */
export async function checkBucketAccess(
  bucket: string,
  grants: Partial<Record<BucketRole, Access>>,
  clients: Record<BucketRole, S3Client>,
): Promise<ValidationCheck[]> {
  const writer = BUCKET_ROLES.find((role) => grants[role] === 'write')!;
  const key = `_provisioning/probe-${Date.now()}.txt`;
  const body = `PetAdota provisioning probe ${new Date().toISOString()}`;
  const check = (name: string, problem: string | null, evidence: string): ValidationCheck => ({
    area: 'bucket',
    name: `bucket ${bucket}: ${name}`,
    ok: problem === null,
    detail: problem ?? evidence,
  });
  const writes = `the ${writer} key writes, reads back and deletes`;
  try {
    await clients[writer].send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  } catch (error) {
    return [check(writes, `could not write ${key}: ${describe(error)}`, '')];
  }

  let problem: string | null = null;
  try {
    const read = await clients[writer].send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if ((await read.Body!.transformToString()) !== body) problem = `read back different bytes from ${key}`;
  } catch (error) {
    problem = `could not read back ${key}: ${describe(error)}`;
  }

  const checks: ValidationCheck[] = [];
  for (const role of BUCKET_ROLES.filter((role) => role !== writer)) {
    const s3 = clients[role];
    const problems: string[] = [];
    if (grants[role] === 'read') {
      try {
        const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if ((await read.Body!.transformToString()) !== body)
          problems.push(`read different bytes from ${key}`);
      } catch (error) {
        problems.push(`could not read ${key}: ${describe(error)}`);
      }
      const put = await refused(() =>
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${key}.${role}`, Body: body })),
      );
      if (put !== true) problems.push(`a write was not refused: ${put}`);
      const removed = await refused(() => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
      if (removed !== true) problems.push(`a delete was not refused: ${removed}`);
      checks.push(
        check(
          `the ${role} key reads, and may not write or delete`,
          problems.join('; ') || null,
          `read ${key}; refused a write and a delete`,
        ),
      );
    } else {
      const read = await refused(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
      if (read !== true) problems.push(`a read was not refused: ${read}`);
      const listed = await refused(() => s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 })));
      if (listed !== true) problems.push(`a listing was not refused: ${listed}`);
      checks.push(
        check(`the ${role} key may not read it`, problems.join('; ') || null, 'refused a read and a listing'),
      );
    }
  }

  try {
    // Deleting a key that is gone succeeds too: a reader allowed to delete is its own check's problem.
    for (const written of [key, ...BUCKET_ROLES.map((role) => `${key}.${role}`)]) {
      await clients[writer].send(new DeleteObjectCommand({ Bucket: bucket, Key: written }));
    }
  } catch (error) {
    problem ??= `could not delete ${key}: ${describe(error)}`;
  }
  return [check(writes, problem, `wrote, read back and deleted ${key}`), ...checks];
}
