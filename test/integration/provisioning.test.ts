import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { ActivityFailure, ApplicationFailure, type Client, WorkflowFailedError } from '@temporalio/client';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { createProvisioningActivities } from '../../activities/provisioning';
import { ErrorType } from '../../contracts/errors';
import { type ProvisioningReport, provisionWorkflowId } from '../../contracts/provisioning';
import type { PlatformConfig } from '../../platform/config';
import {
  connectMysql,
  connectTemporalClient,
  connectWorkerConnection,
  createKafka,
  createS3Client,
} from '../../platform/clients';
import { provisionInfrastructure } from '../../workflows';
import { isolatedConfig, removeIsolatedPlatform } from '../kit/isolated';
import { quietTemporalLogs, uniqueName } from '../kit/platform';
import { provisioningSettings } from '../../workers/worker/activity-settings';

const run = promisify(execFile);
const config = isolatedConfig();
const { database } = config.mysql;
// What the local stack gives: 1 and 1 on one Kafka node, 3 and 2 on three (KAFKA_NODES).
const { replicationFactor, minInsyncReplicas } = config.kafka;
const created: PlatformConfig[] = [config];
let client: Client;
let connection: NativeConnection;

before(async () => {
  quietTemporalLogs();
  client = await connectTemporalClient(config.temporal);
  connection = await connectWorkerConnection(config.temporal);
});

after(async () => {
  // Clean up with the real admin account, whatever a test configured.
  for (const each of created) {
    await removeIsolatedPlatform({
      ...each,
      mysql: { ...each.mysql, admin: config.mysql.admin },
      s3: { ...each.s3, admin: config.s3.admin },
    });
  }
  await connection?.close();
  await client?.connection.close();
});

/** Runs `start` while a worker with the real activities, configured by `platform`, serves its task queue. */
async function withWorker<T>(platform: PlatformConfig, start: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueName('provisioning-it');
  const worker = await Worker.create({
    connection,
    namespace: platform.temporal.namespace,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: createProvisioningActivities({
      ...provisioningSettings(platform),
      kafka: createKafka(platform.kafka),
    }),
  });
  return worker.runUntil(start(taskQueue));
}

function provision(platform: PlatformConfig, environment = 'it'): Promise<ProvisioningReport> {
  return withWorker(platform, (taskQueue) =>
    client.workflow.execute(provisionInfrastructure, {
      taskQueue,
      workflowId: `${provisionWorkflowId({ environment })}-${taskQueue}`,
      args: [{ environment }],
    }),
  );
}

function failedChecks(report: ProvisioningReport): string[] {
  return report.checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`);
}

test('provisioning from empty MariaDB, S3 and Kafka creates everything and validates it', async () => {
  const { pipeline, stream, readonly, accountHost } = config.mysql;
  const report = await provision(config);

  assert.deepEqual(failedChecks(report), []);
  assert.equal(report.ok, true);
  assert.equal(report.checks.length, 34);
  const { bucket, archiveBucket } = config.s3;
  assert.deepEqual(
    report.checks.filter((check) => check.area === 'bucket').map((check) => check.name),
    [
      `bucket ${bucket}: the pipeline key writes, reads back and deletes`,
      `bucket ${bucket}: the stream key may not read it`,
      `bucket ${bucket}: the readonly key reads, and may not write or delete`,
      `bucket ${archiveBucket}: the stream key writes, reads back and deletes`,
      `bucket ${archiveBucket}: the pipeline key may not read it`,
      `bucket ${archiveBucket}: the readonly key reads, and may not write or delete`,
    ],
  );
  assert.deepEqual(report.changes, {
    cloud: [],
    bucket: [
      `created bucket ${bucket}`,
      `set the access policy of bucket ${bucket}`,
      `created bucket ${archiveBucket}`,
      `set the access policy of bucket ${archiveBucket}`,
    ],
    schema: [
      `created database ${database}`,
      'applied migration 001_catalogo_e_tendencias',
      'applied migration 002_reservas_abandonadas',
      'applied migration 003_offsets_contados',
      'applied migration 004_visualizacoes_animal',
      'applied migration 005_offsets_arquivados',
      'applied migration 006_recontagens',
    ],
    accounts: [
      `created account ${pipeline.user}@${accountHost} (pipeline)`,
      `granted INSERT, SELECT on ${database}.animais_disponiveis to ${pipeline.user}@${accountHost}`,
      `granted INSERT, SELECT, UPDATE on ${database}.contadores_raca to ${pipeline.user}@${accountHost}`,
      `granted DELETE, INSERT, SELECT, UPDATE on ${database}.reservas_imagem to ${pipeline.user}@${accountHost}`,
      `created account ${stream.user}@${accountHost} (stream)`,
      `granted SELECT on ${database}.animais_disponiveis to ${stream.user}@${accountHost}`,
      `granted INSERT, SELECT, UPDATE on ${database}.cliques_atrasados to ${stream.user}@${accountHost}`,
      `granted INSERT, SELECT, UPDATE on ${database}.offsets_arquivados to ${stream.user}@${accountHost}`,
      `granted INSERT, SELECT, UPDATE on ${database}.offsets_contados to ${stream.user}@${accountHost}`,
      `granted INSERT, SELECT on ${database}.recontagens to ${stream.user}@${accountHost}`,
      `granted INSERT, SELECT, UPDATE on ${database}.relatorios_tendencia to ${stream.user}@${accountHost}`,
      `granted DELETE, INSERT, SELECT, UPDATE on ${database}.visualizacoes_10s to ${stream.user}@${accountHost}`,
      `granted DELETE, INSERT, SELECT, UPDATE on ${database}.visualizacoes_animal_10s to ${stream.user}@${accountHost}`,
      `granted DELETE, INSERT, SELECT, UPDATE on ${database}.visualizacoes_animal_hora to ${stream.user}@${accountHost}`,
      `granted DELETE, INSERT, SELECT, UPDATE on ${database}.visualizacoes_hora to ${stream.user}@${accountHost}`,
      `created account ${readonly.user}@${accountHost} (readonly)`,
      `granted SELECT on ${database}.* to ${readonly.user}@${accountHost}`,
    ],
    topics: [config.kafka.interactionsTopic, config.kafka.deadLetterTopic].map(
      (topic) =>
        `created topic ${topic} (3 partitions, replication factor ${replicationFactor}, min.insync.replicas ${minInsyncReplicas})`,
    ),
  });
});

test('a second run changes nothing and still validates', async () => {
  const report = await provision(config);

  assert.deepEqual(report.changes, { cloud: [], bucket: [], schema: [], accounts: [], topics: [] });
  assert.deepEqual(failedChecks(report), []);
});

test("the read-only account's refusals are real errors from the server", async () => {
  const readonly = await connectMysql(config.mysql, config.mysql.readonly, { database });
  try {
    const [rows] = await readonly.query('SELECT COUNT(*) AS n FROM animais_disponiveis');
    assert.deepEqual(rows, [{ n: 0 }]);
    const statements = {
      INSERT: "INSERT INTO contadores_raca (tipo, raca, ultimo_numero) VALUES ('gato', 'persa', 1)",
      UPDATE: "UPDATE contadores_raca SET ultimo_numero = 99 WHERE raca = 'persa'",
      DELETE: 'DELETE FROM animais_disponiveis',
      DROP: 'DROP TABLE animais_disponiveis',
    };
    for (const [verb, sql] of Object.entries(statements)) {
      await assert.rejects(
        readonly.query(sql),
        (error: { code?: string; errno?: number; sqlMessage?: string }) => {
          assert.equal(error.code, 'ER_TABLEACCESS_DENIED_ERROR', sql);
          assert.equal(error.errno, 1142);
          assert.ok(
            error.sqlMessage?.startsWith(`${verb} command denied to user '${config.mysql.readonly.user}'`),
          );
          return true;
        },
      );
    }
  } finally {
    await readonly.end();
  }
});

test("the S3 role keys' refusals are real errors from the server", async () => {
  const { bucket, archiveBucket } = config.s3;
  const admin = createS3Client(config.s3, 'admin');
  const pipeline = createS3Client(config.s3, 'pipeline');
  const stream = createS3Client(config.s3, 'stream');
  const readonly = createS3Client(config.s3, 'readonly');
  const denied = (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(error.name, 'AccessDenied');
    assert.equal(error.$metadata?.httpStatusCode, 403);
    return true;
  };
  try {
    const Key = 'valid/event_date=2026-12-02/event_hour=21/lote=x/part-0.parquet';
    await stream.send(new PutObjectCommand({ Bucket: archiveBucket, Key, Body: 'parquet bytes' }));
    const read = await readonly.send(new GetObjectCommand({ Bucket: archiveBucket, Key }));
    assert.equal(await read.Body!.transformToString(), 'parquet bytes');
    const listed = await readonly.send(new ListObjectsV2Command({ Bucket: archiveBucket }));
    assert.deepEqual(
      listed.Contents?.map((object) => object.Key),
      [Key],
    );

    await assert.rejects(
      readonly.send(new PutObjectCommand({ Bucket: archiveBucket, Key, Body: 'x' })),
      denied,
    );
    await assert.rejects(readonly.send(new DeleteObjectCommand({ Bucket: archiveBucket, Key })), denied);
    await assert.rejects(pipeline.send(new GetObjectCommand({ Bucket: archiveBucket, Key })), denied);
    await assert.rejects(pipeline.send(new ListObjectsV2Command({ Bucket: archiveBucket })), denied);
    await assert.rejects(
      pipeline.send(new PutObjectCommand({ Bucket: archiveBucket, Key, Body: 'x' })),
      denied,
    );
    await assert.rejects(
      stream.send(new PutObjectCommand({ Bucket: bucket, Key: 'cachorro/x.jpg', Body: 'x' })),
      denied,
    );
    await assert.rejects(stream.send(new ListObjectsV2Command({ Bucket: bucket })), denied);

    const after = await admin.send(new GetObjectCommand({ Bucket: archiveBucket, Key }));
    assert.equal(await after.Body!.transformToString(), 'parquet bytes');
    await stream.send(new DeleteObjectCommand({ Bucket: archiveBucket, Key }));
  } finally {
    for (const client of [admin, pipeline, stream, readonly]) client.destroy();
  }
});

test('the validation report catches a bucket policy that lets the pipeline read the archive', async () => {
  const { archiveBucket } = config.s3;
  const admin = createS3Client(config.s3, 'admin');
  const everyone = ['pipeline', 'stream', 'readonly'].map(
    (role) => config.s3[role as 'pipeline'].accessKeyId,
  );
  try {
    await admin.send(
      new PutBucketPolicyCommand({
        Bucket: archiveBucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: everyone },
              Action: ['s3:*'],
              Resource: [`arn:aws:s3:::${archiveBucket}/*`],
            },
            {
              Effect: 'Allow',
              Principal: { AWS: everyone },
              Action: ['s3:*'],
              Resource: [`arn:aws:s3:::${archiveBucket}`],
            },
          ],
        }),
      }),
    );
  } finally {
    admin.destroy();
  }
  const activities = createProvisioningActivities({
    ...provisioningSettings(config),
    kafka: createKafka(config.kafka),
  });

  const validation = await activities.validatePlatform();
  assert.deepEqual(
    validation.checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`),
    [
      `bucket ${archiveBucket}: the pipeline key may not read it: ` +
        'a read was not refused: it was allowed; a listing was not refused: it was allowed',
      `bucket ${archiveBucket}: the readonly key reads, and may not write or delete: ` +
        'a write was not refused: it was allowed; a delete was not refused: it was allowed',
    ],
  );

  // Provisioning puts the declared policy back.
  const report = await provision(config);
  assert.deepEqual(report.changes.bucket, [`set the access policy of bucket ${archiveBucket}`]);
  assert.deepEqual(failedChecks(report), []);
});

test('the validation report catches a dropped column and says which', async () => {
  const admin = await connectMysql(config.mysql, config.mysql.admin, { database });
  try {
    await admin.query('ALTER TABLE animais_disponiveis DROP COLUMN content_type');
  } finally {
    await admin.end();
  }

  const report = await provision(config);

  assert.equal(report.ok, false);
  assert.deepEqual(failedChecks(report), [
    'table animais_disponiveis: missing column content_type (varchar(100) NOT NULL COLLATE utf8mb4_unicode_ci)',
  ]);
});

function assertActivityFailure(error: unknown, activityType: string, type: ErrorType, message: RegExp): true {
  assert.ok(error instanceof WorkflowFailedError);
  assert.ok(error.cause instanceof ActivityFailure);
  assert.equal(error.cause.activityType, activityType);
  assert.ok(error.cause.cause instanceof ApplicationFailure);
  assert.equal(error.cause.cause.type, type);
  assert.match(error.cause.cause.message, message);
  return true;
}

test('a wrong admin password fails fast with AccessDenied', async () => {
  const wrong = isolatedConfig({ MYSQL_ADMIN_PASSWORD: 'not-the-password' });
  created.push(wrong);

  await assert.rejects(provision(wrong), (error) =>
    assertActivityFailure(error, 'applySchema', ErrorType.AccessDenied, /MySQL refused the admin account/),
  );
});

test('a wrong S3 admin key fails fast with AccessDenied', async () => {
  const wrong = isolatedConfig({ S3_ADMIN_SECRET_ACCESS_KEY: 'not-the-secret' });
  created.push(wrong);

  await assert.rejects(provision(wrong), (error) =>
    assertActivityFailure(
      error,
      'ensureBucket',
      ErrorType.AccessDenied,
      /^S3 refused the admin key \(S3_ADMIN_ACCESS_KEY_ID\) bucket it-[0-9a-f]{8}-imagens: HTTP 403$/,
    ),
  );
});

test('a replication factor the cluster cannot give fails fast with InvalidConfiguration', async () => {
  const more = String(config.kafka.brokers.length + 1);
  const wrong = isolatedConfig({ KAFKA_REPLICATION_FACTOR: more, KAFKA_MIN_INSYNC_REPLICAS: '1' });
  created.push(wrong);

  await assert.rejects(provision(wrong), (error) =>
    assertActivityFailure(
      error,
      'ensureTopics',
      ErrorType.InvalidConfiguration,
      new RegExp(`replication factor ${more}`),
    ),
  );
});

test('min.insync.replicas above the replication factor fails fast with InvalidConfiguration', async () => {
  const wrong = isolatedConfig({ KAFKA_REPLICATION_FACTOR: '1', KAFKA_MIN_INSYNC_REPLICAS: '2' });
  created.push(wrong);

  await assert.rejects(provision(wrong), (error) =>
    assertActivityFailure(
      error,
      'ensureTopics',
      ErrorType.InvalidConfiguration,
      /^min\.insync\.replicas 2 is more than the replication factor 1 \(KAFKA_MIN_INSYNC_REPLICAS, KAFKA_REPLICATION_FACTOR\)/,
    ),
  );
});

test('tctl and the temporal CLI start provisionInfrastructure with plain JSON input', async () => {
  const environment = uniqueName('it');
  const workflowId = provisionWorkflowId({ environment });
  const input = JSON.stringify({ environment });

  const viaTctl = await withWorker(config, async (taskQueue) => {
    await run(config.tools.tctlPath, [
      '--address', config.temporal.address,
      '--namespace', config.temporal.namespace,
      'workflow', 'start',
      '--taskqueue', taskQueue,
      '--workflow_type', 'provisionInfrastructure',
      '--workflow_id', workflowId,
      '--input', input,
    ]); // prettier-ignore
    return client.workflow.getHandle<typeof provisionInfrastructure>(workflowId).result();
  });
  const viaTemporalCli = await withWorker(config, async (taskQueue) => {
    await run(config.tools.temporalCliPath, [
      'workflow', 'start',
      '--address', config.temporal.address,
      '--namespace', config.temporal.namespace,
      '--task-queue', taskQueue,
      '--type', 'provisionInfrastructure',
      '--workflow-id', workflowId,
      '--input', input,
    ]); // prettier-ignore
    return client.workflow.getHandle<typeof provisionInfrastructure>(workflowId).result();
  });

  for (const report of [viaTctl, viaTemporalCli]) {
    assert.equal(report.environment, environment);
    assert.equal(report.database, database);
  }
});
