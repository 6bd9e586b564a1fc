import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readAccountSpecs } from '../../activities/provisioning/accounts';
import { readMigrations, SQL_DIR } from '../../activities/provisioning/migrations';
import { compareStructures, type DatabaseStructure } from '../../activities/provisioning/structure';
import { formatProvisioningReport, formatTable } from '../../workers/cli/tables';

function structure(tables: Record<string, { columns: [string, string][]; indexes: [string, string][] }>) {
  const result: DatabaseStructure = new Map();
  for (const [name, table] of Object.entries(tables)) {
    result.set(name, { columns: new Map(table.columns), indexes: new Map(table.indexes) });
  }
  return result;
}

const declared = structure({
  contadores_raca: {
    columns: [
      ['tipo', "enum('cachorro','gato') NOT NULL"],
      ['raca', 'varchar(100) NOT NULL'],
    ],
    indexes: [['PRIMARY', 'UNIQUE (tipo, raca)']],
  },
  animais_disponiveis: { columns: [['id', 'bigint(20) unsigned NOT NULL auto_increment']], indexes: [] },
});

test('identical structures pass, one check per declared table in name order', () => {
  assert.deepEqual(compareStructures(declared, declared), [
    {
      area: 'schema',
      name: 'table animais_disponiveis',
      ok: true,
      detail: '1 column and 0 keys as declared',
    },
    { area: 'schema', name: 'table contadores_raca', ok: true, detail: '2 columns and 1 key as declared' },
  ]);
});

test('missing, changed and undeclared columns and keys are each named', () => {
  const actual = structure({
    contadores_raca: {
      columns: [
        ['tipo', "enum('cachorro','gato') NULL"],
        ['apelido', 'varchar(10) NULL'],
      ],
      indexes: [['PRIMARY', 'UNIQUE (tipo)']],
    },
  });

  assert.deepEqual(compareStructures(declared, actual), [
    { area: 'schema', name: 'table animais_disponiveis', ok: false, detail: 'table is missing' },
    {
      area: 'schema',
      name: 'table contadores_raca',
      ok: false,
      detail: [
        "column tipo is enum('cachorro','gato') NULL, declared enum('cachorro','gato') NOT NULL",
        'missing column raca (varchar(100) NOT NULL)',
        'undeclared column apelido (varchar(10) NULL)',
        'key PRIMARY is UNIQUE (tipo), declared UNIQUE (tipo, raca)',
      ].join('; '),
    },
  ]);
});

test("the repository's migrations are numbered from 001 without gaps and read with their checksums", async () => {
  const migrations = await readMigrations(SQL_DIR);
  assert.deepEqual(
    migrations.map((migration) => migration.version),
    migrations.map((_, index) => index + 1),
  );
  assert.equal(migrations[0]?.name, 'catalogo_e_tendencias');
  assert.match(migrations[0]?.checksum ?? '', /^[0-9a-f]{64}$/);
});

const scratchDirs: string[] = [];
after(() => scratchDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

function sqlDirWith(files: Record<string, string>): string {
  const dir = scratchDir('petadota-sql-');
  mkdirSync(join(dir, 'migrations'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, 'migrations', name), sql);
  return dir;
}

test('badly named or duplicated migration files are refused', async () => {
  const duplicated = sqlDirWith({ '001_first.sql': 'SELECT 1;', '001_again.sql': 'SELECT 2;' });
  await assert.rejects(readMigrations(duplicated), /two migrations have version 1/);

  const badlyNamed = sqlDirWith({ '001_first.sql': 'SELECT 1;', '2-Second.sql': 'SELECT 3;' });
  await assert.rejects(readMigrations(badlyNamed), /migration files are named NNN_lower_case_name\.sql/);
});

test("the repository's account declarations are read for the three roles", async () => {
  const specs = await readAccountSpecs(SQL_DIR);
  assert.deepEqual(
    specs.map((spec) => spec.role),
    ['pipeline', 'stream', 'readonly'],
  );
  assert.deepEqual(specs[2]?.database, ['SELECT']);
  assert.deepEqual(specs[2]?.tables, {});
});

test('account declarations with unknown privileges are refused', async () => {
  const dir = scratchDir('petadota-accounts-');
  const roles = {
    pipeline: { tables: {} },
    stream: { tables: {} },
    readonly: { database: ['SELECT', 'GRANT OPTION'] },
  };
  writeFileSync(join(dir, 'accounts.json'), JSON.stringify({ roles }));
  await assert.rejects(readAccountSpecs(dir), /unsupported privileges GRANT OPTION/);
});

test('tables are aligned, with the last column left ragged', () => {
  assert.equal(
    formatTable(
      ['AREA', 'CHECK'],
      [
        ['schema', 'table x'],
        ['topics', 'topic interacoes'],
      ],
    ),
    ['AREA    CHECK', '------  ----------------', 'schema  table x', 'topics  topic interacoes'].join('\n'),
  );
});

test('the printed report lists the changes and says when the platform is not ready', () => {
  const text = formatProvisioningReport({
    environment: 'local',
    database: 'Pet_Adota',
    bucket: 'pet-adota-imagens',
    archiveBucket: 'pet-adota-arquivo',
    topics: ['a', 'b'],
    changes: {
      cloud: [],
      bucket: ['created bucket pet-adota-imagens'],
      schema: [],
      accounts: [],
      topics: [],
    },
    checks: [{ area: 'topics', name: 'topic a', ok: false, detail: 'topic is missing' }],
    ok: false,
  });
  assert.match(text, /^changes:\n {2}- created bucket pet-adota-imagens$/m);
  assert.match(text, /^topics {2}topic a {2}FAILED {2}topic is missing$/m);
  assert.match(text, /^validation: 0 of 1 checks passed — the platform is NOT ready$/m);
});
