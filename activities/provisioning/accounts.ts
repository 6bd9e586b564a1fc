// The platform's MySQL accounts, declared in infra/sql/accounts.json (shared with Ansible):
// each one created, its password kept in step with configuration, and its privileges made
// exactly the declared ones (missing ones granted, extra ones revoked).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { MysqlCredentials } from '../../platform/config';
import { invalidConfiguration } from '../failures';

export type AccountRole = 'pipeline' | 'stream' | 'readonly';
const ROLES: AccountRole[] = ['pipeline', 'stream', 'readonly'];
const PRIVILEGES = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
const TABLE_NAME = /^[a-z0-9_]{1,64}$/;

export interface AccountSpec {
  role: AccountRole;
  description: string;
  /** table → privileges on that table */
  tables: Record<string, string[]>;
  /** privileges on the whole database */
  database: string[];
}

export async function readAccountSpecs(sqlDir: string): Promise<AccountSpec[]> {
  const file = join(sqlDir, 'accounts.json');
  const parsed = JSON.parse(await readFile(file, 'utf8')) as {
    roles: Record<string, Partial<AccountSpec>>;
  };
  return ROLES.map((role) => {
    const spec = parsed.roles[role];
    if (!spec) throw new Error(`${file}: role ${role} is not declared`);
    const tables = spec.tables ?? {};
    const database = spec.database ?? [];
    for (const [table, privileges] of Object.entries(tables)) {
      if (!TABLE_NAME.test(table)) throw new Error(`${file}: bad table name '${table}'`);
      checkPrivileges(file, privileges);
    }
    checkPrivileges(file, database);
    return { role, description: spec.description ?? role, tables, database };
  });
}

function checkPrivileges(file: string, privileges: string[]): void {
  const unknown = privileges.filter((privilege) => !PRIVILEGES.has(privilege));
  if (unknown.length > 0) throw new Error(`${file}: unsupported privileges ${unknown.join(', ')}`);
}

/** Grants as comparable strings: `db.table:PRIV` and `db.*:PRIV`. */
function declaredGrants(spec: AccountSpec, database: string): Set<string> {
  const grants = new Set<string>();
  for (const [table, privileges] of Object.entries(spec.tables)) {
    for (const privilege of privileges) grants.add(`${database}.${table}:${privilege}`);
  }
  for (const privilege of spec.database) grants.add(`${database}.*:${privilege}`);
  return grants;
}

async function currentGrants(
  connection: Connection,
  grantee: string,
  database: string,
): Promise<Set<string>> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME, ':', PRIVILEGE_TYPE) AS grantText
       FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = ? AND TABLE_SCHEMA = ?
     UNION ALL
     SELECT CONCAT(TABLE_SCHEMA, '.*:', PRIVILEGE_TYPE)
       FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ? AND TABLE_SCHEMA = ?`,
    [grantee, database, grantee, database],
  );
  return new Set(rows.map((row) => String(row.grantText)));
}

/** `'user'@'host'` as information_schema writes grantees. */
function granteeOf(user: string, host: string): string {
  return `'${user}'@'${host}'`;
}

/** Groups `db.table:PRIV` grants by their object: `` `db`.`table` `` → privileges. */
function byTarget(grants: string[]): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const grant of grants.sort()) {
    const [object, privilege] = grant.split(':') as [string, string];
    const [database, table] = object.split('.') as [string, string];
    const on = `\`${database}\`.${table === '*' ? '*' : `\`${table}\``}`;
    grouped.set(on, [...(grouped.get(on) ?? []), privilege]);
  }
  return grouped;
}

/** Converges one account on the declaration; returns the changes it made. */
export async function ensureAccount(
  connection: Connection,
  spec: AccountSpec,
  credentials: MysqlCredentials,
  host: string,
  database: string,
): Promise<string[]> {
  if (!credentials.password) {
    throw invalidConfiguration(
      `${credentials.passwordVariable} is not set: the ${spec.role} account (${credentials.user}) needs a password`,
    );
  }
  const { user, password } = credentials;
  const account = `${user}@${host}`;
  const changes: string[] = [];

  const [existing] = await connection.query<RowDataPacket[]>(
    'SELECT authentication_string = PASSWORD(?) AS samePassword FROM mysql.user WHERE User = ? AND Host = ?',
    [password, user, host],
  );
  if (existing.length === 0) {
    await connection.query('CREATE USER ?@? IDENTIFIED BY ?', [user, host, password]);
    changes.push(`created account ${account} (${spec.role})`);
  } else if (Number(existing[0]!.samePassword) !== 1) {
    await connection.query('ALTER USER ?@? IDENTIFIED BY ?', [user, host, password]);
    changes.push(`updated the password of ${account}`);
  }

  const declared = declaredGrants(spec, database);
  const current = await currentGrants(connection, granteeOf(user, host), database);
  const missing = byTarget([...declared].filter((grant) => !current.has(grant)));
  const extra = byTarget([...current].filter((grant) => !declared.has(grant)));
  for (const [on, privileges] of missing) {
    await connection.query(`GRANT ${privileges.join(', ')} ON ${on} TO ?@?`, [user, host]);
    changes.push(`granted ${privileges.join(', ')} on ${on.replaceAll('`', '')} to ${account}`);
  }
  for (const [on, privileges] of extra) {
    await connection.query(`REVOKE ${privileges.join(', ')} ON ${on} FROM ?@?`, [user, host]);
    changes.push(`revoked ${privileges.join(', ')} on ${on.replaceAll('`', '')} from ${account}`);
  }
  return changes;
}
