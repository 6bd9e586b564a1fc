// The validation report: the structure is as declared, every account can do exactly what it
// should (the refusals are tried for real), the bucket takes a write and a read, the topics exist.
import { randomBytes } from 'node:crypto';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { ValidationCheck } from '../../contracts/provisioning';
import type { MysqlConfig } from '../../platform/clients';
import type { MysqlCredentials } from '../../platform/config';
import { connectMysql } from '../../platform/clients';
import type { AccountRole } from './accounts';
import { migrate } from './migrations';
import { compareStructures, describeDatabase } from './structure';

/** Builds the declared structure in a scratch database and compares the real one with it. */
export async function checkSchema(
  admin: Connection,
  database: string,
  sqlDir: string,
): Promise<ValidationCheck[]> {
  const scratch = `petadota_declared_${randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE \`${scratch}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.query(`USE \`${scratch}\``);
    await migrate(admin, sqlDir);
    const declared = await describeDatabase(admin, scratch);
    const actual = await describeDatabase(admin, database);
    return compareStructures(declared, actual);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${scratch}\``);
  }
}

interface Probe {
  role: AccountRole;
  /** The statement's verb, as MySQL names it in a refusal (`INSERT command denied …`). */
  verb: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'DROP';
  table: string;
  sql: string;
  allowed: boolean;
}

// Every statement here changes nothing even if it were allowed (WHERE 1 = 0, a table that does
// not exist), so validating a misconfigured account can never damage data.
const PROBES: Probe[] = [
  {
    role: 'readonly',
    verb: 'SELECT',
    table: 'animais_disponiveis',
    sql: 'SELECT COUNT(*) FROM animais_disponiveis',
    allowed: true,
  },
  {
    role: 'readonly',
    verb: 'INSERT',
    table: 'animais_disponiveis',
    sql: 'INSERT INTO animais_disponiveis SELECT * FROM animais_disponiveis WHERE 1 = 0',
    allowed: false,
  },
  {
    role: 'readonly',
    verb: 'UPDATE',
    table: 'animais_disponiveis',
    sql: 'UPDATE animais_disponiveis SET raca = raca WHERE 1 = 0',
    allowed: false,
  },
  {
    role: 'readonly',
    verb: 'DELETE',
    table: 'animais_disponiveis',
    sql: 'DELETE FROM animais_disponiveis WHERE 1 = 0',
    allowed: false,
  },
  {
    role: 'readonly',
    verb: 'DROP',
    table: 'petadota_validation_probe',
    sql: 'DROP TABLE IF EXISTS petadota_validation_probe',
    allowed: false,
  },
  {
    role: 'pipeline',
    verb: 'SELECT',
    table: 'animais_disponiveis',
    sql: 'SELECT COUNT(*) FROM animais_disponiveis',
    allowed: true,
  },
  {
    role: 'pipeline',
    verb: 'DELETE',
    table: 'animais_disponiveis',
    sql: 'DELETE FROM animais_disponiveis WHERE 1 = 0',
    allowed: false,
  },
  {
    role: 'pipeline',
    verb: 'INSERT',
    table: 'visualizacoes_hora',
    sql: 'INSERT INTO visualizacoes_hora SELECT * FROM visualizacoes_hora WHERE 1 = 0',
    allowed: false,
  },
  {
    role: 'stream',
    verb: 'SELECT',
    table: 'visualizacoes_10s',
    sql: 'SELECT COUNT(*) FROM visualizacoes_10s',
    allowed: true,
  },
  {
    role: 'stream',
    verb: 'INSERT',
    table: 'animais_disponiveis',
    sql: 'INSERT INTO animais_disponiveis SELECT * FROM animais_disponiveis WHERE 1 = 0',
    allowed: false,
  },
];

const REFUSALS = new Set([
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
]);

export async function checkAccounts(mysql: MysqlConfig): Promise<ValidationCheck[]> {
  const checks: ValidationCheck[] = [];
  for (const role of ['readonly', 'pipeline', 'stream'] as const) {
    const credentials: MysqlCredentials = mysql[role];
    let connection: Connection;
    try {
      connection = await connectMysql(mysql, credentials, { database: mysql.database });
    } catch (error) {
      checks.push({
        area: 'accounts',
        name: `${credentials.user} can log in`,
        ok: false,
        detail: (error as Error).message,
      });
      continue;
    }
    try {
      const [rows] = await connection.query<RowDataPacket[]>('SELECT CURRENT_USER() AS account');
      checks.push({
        area: 'accounts',
        name: `${credentials.user} can log in`,
        ok: true,
        detail: `logged in as ${String(rows[0]?.account)}`,
      });
      for (const probe of PROBES.filter((p) => p.role === role)) {
        checks.push(await runProbe(connection, credentials.user, probe));
      }
    } finally {
      await connection.end();
    }
  }
  return checks;
}

async function runProbe(connection: Connection, user: string, probe: Probe): Promise<ValidationCheck> {
  const name = `${user} ${probe.allowed ? 'can' : 'cannot'} ${probe.verb} ${probe.table}`;
  try {
    await connection.query(probe.sql);
    return probe.allowed
      ? { area: 'accounts', name, ok: true, detail: `${probe.verb} succeeded` }
      : {
          area: 'accounts',
          name,
          ok: false,
          detail: `${probe.verb} was allowed: the account has too many privileges`,
        };
  } catch (error) {
    const { code, sqlMessage } = error as { code?: string; sqlMessage?: string };
    const refused =
      code !== undefined && REFUSALS.has(code) && sqlMessage?.startsWith(`${probe.verb} command denied`);
    if (!probe.allowed && refused)
      return { area: 'accounts', name, ok: true, detail: `refused by the server: ${sqlMessage}` };
    return {
      area: 'accounts',
      name,
      ok: false,
      detail: `${code ?? 'error'}: ${sqlMessage ?? (error as Error).message}`,
    };
  }
}
