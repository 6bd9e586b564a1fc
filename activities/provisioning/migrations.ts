// The schema's single source: infra/sql/ledger.sql and the numbered files of
// infra/sql/migrations, applied in order, each once, recorded with its checksum.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../contracts/errors';

export const SQL_DIR = join(__dirname, '..', '..', 'infra', 'sql');

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const MIGRATION_FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export async function readMigrations(sqlDir: string): Promise<Migration[]> {
  const dir = join(sqlDir, 'migrations');
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) throw new Error(`${join(dir, file)}: migration files are named NNN_lower_case_name.sql`);
    const sql = await readFile(join(dir, file), 'utf8');
    const version = Number(match[1]);
    if (migrations.some((migration) => migration.version === version)) {
      throw new Error(`${dir}: two migrations have version ${version}`);
    }
    migrations.push({
      version,
      name: match[2]!,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations;
}

/**
 * Applies the migrations the database lacks, in order, on a connection that allows multiple
 * statements and has the target database selected. Returns what it applied.
 */
export async function migrate(connection: Connection, sqlDir: string): Promise<string[]> {
  await connection.query(await readFile(join(sqlDir, 'ledger.sql'), 'utf8'));
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT version, checksum_sha256 AS checksum FROM schema_migrations',
  );
  const applied = new Map(rows.map((row) => [Number(row.version), String(row.checksum)]));
  const changes: string[] = [];
  for (const migration of await readMigrations(sqlDir)) {
    const label = `${String(migration.version).padStart(3, '0')}_${migration.name}`;
    const checksum = applied.get(migration.version);
    if (checksum === migration.checksum) continue;
    if (checksum !== undefined) {
      throw ApplicationFailure.create({
        type: ErrorType.SchemaDrift,
        nonRetryable: true,
        message: `migration ${label} was applied with checksum ${checksum} but the file now has ${migration.checksum}: add a new migration instead of editing an applied one`,
      });
    }
    await connection.query(migration.sql);
    await connection.query(
      'INSERT INTO schema_migrations (version, name, checksum_sha256) VALUES (?, ?, ?)',
      [migration.version, migration.name, migration.checksum],
    );
    changes.push(`applied migration ${label}`);
  }
  return changes;
}
