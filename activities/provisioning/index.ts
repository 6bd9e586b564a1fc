// The provisioning activities, built from their dependencies. Each is idempotent: it brings
// one part of the platform to its declared state and returns what it had to change.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Kafka } from 'kafkajs';
import type { Connection, ResultSetHeader } from 'mysql2/promise';
import type { ValidationCheck } from '../../contracts/provisioning';
import { connectMysql, type MysqlConfig } from '../../platform/clients';
import { fromMysqlError } from '../failures';
import { ensureAccount, readAccountSpecs } from './accounts';
import { checkBucket, ensureBucket } from './bucket';
import { applyTerraform, type CloudSettings, runAnsiblePlaybook, type TerraformResult } from './cloud';
import { migrate, SQL_DIR } from './migrations';
import { checkTopics, ensureTopics, type TopicSpec } from './topics';
import { checkAccounts, checkSchema } from './validation';

export interface ProvisioningDependencies {
  /** The database server, the admin account that provisions it and the accounts it creates. */
  mysql: MysqlConfig;
  bucket: string;
  /** The trends job's archive, apart from the images. */
  archiveBucket: string;
  topics: TopicSpec;
  cloud: CloudSettings;
  s3: S3Client;
  kafka: Kafka;
  /** infra/sql unless a test points elsewhere. */
  sqlDir?: string;
}

export interface PlatformValidation {
  target: { database: string; bucket: string; archiveBucket: string; topics: string[] };
  checks: ValidationCheck[];
}

export function createProvisioningActivities({
  mysql,
  bucket,
  archiveBucket,
  topics,
  cloud,
  s3,
  kafka,
  sqlDir = SQL_DIR,
}: ProvisioningDependencies) {
  const { database } = mysql;

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
    async ensureBucket(): Promise<string[]> {
      return [...(await ensureBucket(s3, bucket)), ...(await ensureBucket(s3, archiveBucket))];
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
      const bucketChecks = [await checkBucket(s3, bucket), await checkBucket(s3, archiveBucket)];
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
