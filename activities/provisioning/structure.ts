// What a database's tables look like, from information_schema, so that the structure the
// migrations declare can be compared with the structure a database really has.
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { ValidationCheck } from '../../contracts/provisioning';

export interface TableStructure {
  /** column name → `type NULL|NOT NULL default … extra collation` */
  columns: Map<string, string>;
  /** index name → `UNIQUE|INDEX (col, col)` */
  indexes: Map<string, string>;
}

export type DatabaseStructure = Map<string, TableStructure>;

export async function describeDatabase(connection: Connection, database: string): Promise<DatabaseStructure> {
  const [columns] = await connection.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable,
            COLUMN_DEFAULT AS defaultValue, EXTRA AS extra, COLLATION_NAME AS collation
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [database],
  );
  const [indexes] = await connection.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS tableName, INDEX_NAME AS name, MIN(NON_UNIQUE) AS nonUnique,
            GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ', ') AS columns
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? GROUP BY TABLE_NAME, INDEX_NAME`,
    [database],
  );
  const structure: DatabaseStructure = new Map();
  const table = (name: string): TableStructure => {
    let found = structure.get(name);
    if (!found) structure.set(name, (found = { columns: new Map(), indexes: new Map() }));
    return found;
  };
  for (const column of columns) {
    const parts = [
      String(column.type),
      column.nullable === 'YES' ? 'NULL' : 'NOT NULL',
      column.defaultValue === null ? '' : `DEFAULT ${String(column.defaultValue)}`,
      String(column.extra ?? ''),
      column.collation ? `COLLATE ${String(column.collation)}` : '',
    ];
    table(String(column.tableName)).columns.set(String(column.name), parts.filter(Boolean).join(' '));
  }
  for (const index of indexes) {
    const kind = Number(index.nonUnique) === 0 ? 'UNIQUE' : 'INDEX';
    table(String(index.tableName)).indexes.set(String(index.name), `${kind} (${String(index.columns)})`);
  }
  return structure;
}

/** One check per declared table: present, with exactly the declared columns and keys. */
export function compareStructures(declared: DatabaseStructure, actual: DatabaseStructure): ValidationCheck[] {
  const checks: ValidationCheck[] = [];
  for (const [tableName, expected] of [...declared].sort(([a], [b]) => a.localeCompare(b))) {
    const found = actual.get(tableName);
    if (!found) {
      checks.push({ area: 'schema', name: `table ${tableName}`, ok: false, detail: 'table is missing' });
      continue;
    }
    const problems = [
      ...differences('column', expected.columns, found.columns),
      ...differences('key', expected.indexes, found.indexes),
    ];
    checks.push({
      area: 'schema',
      name: `table ${tableName}`,
      ok: problems.length === 0,
      detail:
        problems.length === 0
          ? `${count(expected.columns.size, 'column')} and ${count(expected.indexes.size, 'key')} as declared`
          : problems.join('; '),
    });
  }
  return checks;
}

function differences(kind: string, expected: Map<string, string>, actual: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, definition] of expected) {
    const found = actual.get(name);
    if (found === undefined) problems.push(`missing ${kind} ${name} (${definition})`);
    else if (found !== definition) problems.push(`${kind} ${name} is ${found}, declared ${definition}`);
  }
  for (const [name, definition] of actual) {
    if (!expected.has(name)) problems.push(`undeclared ${kind} ${name} (${definition})`);
  }
  return problems;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
