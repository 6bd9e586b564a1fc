import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { createMysqlPool } from '../../platform/clients';
import { config, uniqueName } from '../kit/platform';

const database = uniqueName('smoke').replaceAll('-', '_');
let pool: Pool;

before(() => {
  // No database: the smoke test must pass on a server nothing was provisioned on yet.
  pool = createMysqlPool(config.mysql, config.mysql.admin, null);
});

after(async () => {
  await pool?.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await pool?.end();
});

test('MariaDB answers over TCP with the admin account', async () => {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT VERSION() AS version, @@bind_address AS bind');
  assert.match(String(rows[0]?.version), /MariaDB/);
  assert.equal(rows[0]?.bind, '127.0.0.1');
});

test('parameterised statements store hostile text verbatim', async () => {
  const hostile = `Robert'); DROP TABLE animais; -- ção 🐶`;
  await pool.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  await pool.query(`CREATE TABLE \`${database}\`.smoke (id INT PRIMARY KEY, raca VARCHAR(200) NOT NULL)`);

  await pool.execute(`INSERT INTO \`${database}\`.smoke (id, raca) VALUES (?, ?)`, [1, hostile]);
  const [rows] = await pool.execute<RowDataPacket[]>(
    `SELECT raca FROM \`${database}\`.smoke WHERE id = ?`,
    [1],
  );

  assert.deepEqual(
    rows.map((row) => row.raca as string),
    [hostile],
  );
});
