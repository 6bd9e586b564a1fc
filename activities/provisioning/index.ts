// The provisioning activities, built from their dependencies. Each is idempotent: it brings
// one part of the platform to its declared state and returns what it had to change.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Kafka } from 'kafkajs';
import type { Connection, ResultSetHeader } from 'mysql2/promise';
import type { ValidationCheck } from '../../contracts/provisioning';
import {
  connectMysql,
  createS3Client,
  type MysqlConfig,
  type S3Config,
  type S3Role,
} from '../../platform/clients';
import { fromMysqlError } from '../failures';
import { ensureAccount, readAccountSpecs } from './accounts';
import {
  BUCKET_ROLES,
  type BucketKind,
  type BucketRole,
  bucketPolicy,
  checkBucketAccess,
  ensureBucket,
  readAccessSpec,
} from './bucket';
import { applyTerraform, type CloudSettings, runAnsiblePlaybook, type TerraformResult } from './cloud';
import { migrate, SQL_DIR } from './migrations';
import { checkTopics, ensureTopics, type TopicSpec } from './topics';
import { checkAccounts, checkSchema } from './validation';

export interface ProvisioningDependencies {
  /** The database server, the admin account that provisions it and the accounts it creates. */
  mysql: MysqlConfig;
  /** The store, its two buckets, the admin key that provisions them and the role keys they admit. */
  s3: S3Config;
  topics: TopicSpec;
  cloud: CloudSettings;
  kafka: Kafka;
  /** infra/sql unless a test points elsewhere. */
  sqlDir?: string;
  /** infra/s3/access.json unless a test points elsewhere. */
  accessFile?: string;
}

export interface PlatformValidation {
  target: { database: string; bucket: string; archiveBucket: string; topics: string[] };
  checks: ValidationCheck[];
}

export function createProvisioningActivities({
  mysql,
  s3,
  topics,
  cloud,
  kafka,
  sqlDir = SQL_DIR,
  accessFile,
}: ProvisioningDependencies) {
  const { database } = mysql;
  const { bucket, archiveBucket } = s3;
  const buckets: Record<BucketKind, string> = { images: bucket, archive: archiveBucket };

  /** Runs `work` with a client for each role's key, closed afterwards. */
  async function withS3<T>(work: (clients: Record<S3Role, S3Client>) => Promise<T>): Promise<T> {
    const roles: S3Role[] = ['admin', ...BUCKET_ROLES];
    const clients = Object.fromEntries(roles.map((role) => [role, createS3Client(s3, role)])) as Record<
      S3Role,
      S3Client
    >;
    try {
      return await work(clients);
    } finally {
      for (const client of Object.values(clients)) client.destroy();
    }
  }

  /** Runs `work` on an admin connection, serialised with other provisioning runs on this server. */
  async function asAdmin<T>(doing: string, work: (connection: Connection) => Promise<T>): Promise<T> {
    let connection: Connection;
    try {
      connection = await connectMysql(mysql, mysql.admin, { multipleStatements: true });
    } catch (error) {
      throw fromMysqlError(error, `the admin account ${mysql.admin.user} (${doing})`);
    }
    try {
      await connection.query('SELECT GET_LOCK(?, 120)', [`petadota_provisioning_${database}`]);
      return await work(connection);
    } catch (error) {
      throw fromMysqlError(error, doing);
    } finally {
      await connection
        .query('SELECT RELEASE_LOCK(?)', [`petadota_provisioning_${database}`])
        .catch(() => undefined);
      await connection.end().catch(() => undefined);
    }
  }

  async function withKafkaAdmin<T>(work: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }

  return {
    /** Local mode sets the bucket policies; in cloud mode Terraform's IAM bindings grant the same. */
    async ensureBucket(input: { mode?: 'local' | 'cloud' } = {}): Promise<string[]> {
      const spec = await readAccessSpec(accessFile);
      const accessKeyIds = Object.fromEntries(
        BUCKET_ROLES.map((role) => [role, s3[role].accessKeyId]),
      ) as Record<BucketRole, string>;
      return withS3(async ({ admin }) => {
        const changes: string[] = [];
        for (const [kind, name] of Object.entries(buckets) as [BucketKind, string][]) {
          const policy = input.mode === 'cloud' ? undefined : bucketPolicy(spec, kind, name, accessKeyIds);
          changes.push(...(await ensureBucket(admin, name, policy)));
        }
        return changes;
      });
    },

    async applySchema(): Promise<string[]> {
      return asAdmin(`applying the schema to ${database}`, async (connection) => {
        const [created] = await connection.query<ResultSetHeader>(
          `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        );
        await connection.query(`USE \`${database}\``);
        const changes = created.affectedRows === 1 ? [`created database ${database}`] : [];
        return [...changes, ...(await migrate(connection, sqlDir))];
      });
    },

    async ensureAccounts(): Promise<string[]> {
      const specs = await readAccountSpecs(sqlDir);
      return asAdmin('creating the accounts', async (connection) => {
        const changes: string[] = [];
        for (const spec of specs) {
          changes.push(
            ...(await ensureAccount(connection, spec, mysql[spec.role], mysql.accountHost, database)),
          );
        }
        return changes;
      });
    },

    async ensureTopics(): Promise<string[]> {
      return withKafkaAdmin((admin) => ensureTopics(admin, topics));
    },

    async validatePlatform(): Promise<PlatformValidation> {
      const schema = await asAdmin('validating the schema', (connection) =>
        checkSchema(connection, database, sqlDir),
      );
      const accounts = await checkAccounts(mysql);
      const spec = await readAccessSpec(accessFile);
      const bucketChecks = await withS3(async (clients) => [
        ...(await checkBucketAccess(bucket, spec.buckets.images, clients)),
        ...(await checkBucketAccess(archiveBucket, spec.buckets.archive, clients)),
      ]);
      const topicChecks = await withKafkaAdmin((admin) => checkTopics(admin, topics));
      return {
        target: { database, bucket, archiveBucket, topics: topics.topics },
        checks: [...schema, ...accounts, ...bucketChecks, ...topicChecks],
      };
    },

    async applyTerraform(input: { environment: string }): Promise<TerraformResult> {
      return applyTerraform(cloud, input.environment);
    },

    async runAnsiblePlaybook(input: { inventory: string }): Promise<string[]> {
      return runAnsiblePlaybook(cloud.ansiblePlaybook, mysql, input.inventory);
    },
  };
}
