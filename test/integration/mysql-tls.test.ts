// MYSQL_SSL against a real server: a MariaDB of the test's own (test/kit/mariadb-tls) that
// requires secure transport, with a certificate for 127.0.0.1 from a CA made for the test. Needs
// none of the local stack.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { loadConfig, type PlatformConfig } from '../../platform/config';
import { connectMysql, createMysqlPool } from '../../platform/clients';
import { freePort } from '../kit/free-port';

const SERVER = join(__dirname, '..', 'kit', 'mariadb-tls');

let dir: string;
let port: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'petadota-mysql-tls-'));
  port = await freePort();
  execFileSync(SERVER, ['start', dir, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
});

after(() => {
  if (!dir) return;
  execFileSync(SERVER, ['stop', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(dir, { recursive: true, force: true });
});

/** The throwaway server's account, with nothing but the given variables on top. */
function config(env: Record<string, string>): PlatformConfig {
  return loadConfig({
    MYSQL_HOST: '127.0.0.1',
    MYSQL_PORT: String(port),
    MYSQL_DATABASE: 'tls_test',
    MYSQL_ADMIN_USER: 'tls_user',
    MYSQL_ADMIN_PASSWORD: 'tls_password',
    ...env,
  });
}

async function sslCipher(db: Pick<Connection, 'query'>): Promise<string> {
  const [rows] = await db.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
  return String(rows[0]?.Value ?? '');
}

/** Why connectMysql failed with these variables. */
async function refusal(env: Record<string, string>): Promise<NodeJS.ErrnoException> {
  const platform = config(env);
  let connection: Connection;
  try {
    connection = await connectMysql(platform.mysql, platform.mysql.admin);
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
  await connection.end();
  assert.fail('the server accepted the connection');
}

test('with MYSQL_SSL and the CA, connectMysql talks TLS', async () => {
  const platform = config({ MYSQL_SSL: 'true', MYSQL_SSL_CA_PATH: join(dir, 'ca.pem') });
  const connection = await connectMysql(platform.mysql, platform.mysql.admin, { database: 'tls_test' });
  try {
    assert.notEqual(await sslCipher(connection), '');
  } finally {
    await connection.end();
  }
});

test('MYSQL_SSL_CA_PATH alone implies TLS, and pools use it too', async () => {
  const platform = config({ MYSQL_SSL_CA_PATH: join(dir, 'ca.pem') });
  const pool = createMysqlPool(platform.mysql, platform.mysql.admin);
  try {
    assert.notEqual(await sslCipher(pool), '');
  } finally {
    await pool.end();
  }
});

test('without MYSQL_SSL the server refuses the plaintext connection', async () => {
  // MariaDB 10.11 refuses insecure transport as "access denied": the same account connects over TLS above.
  const error = await refusal({});
  assert.equal(error.code, 'ER_ACCESS_DENIED_ERROR');
});

test('a server certificate from another CA is rejected', async () => {
  const error = await refusal({ MYSQL_SSL_CA_PATH: join(dir, 'other-ca.pem') });
  assert.equal(error.code, 'HANDSHAKE_SSL_ERROR');
  assert.match(error.message, /self-signed certificate in certificate chain/);
});

test("without MYSQL_SSL_CA_PATH only the system's CAs are trusted, and the test CA is not one", async () => {
  const error = await refusal({ MYSQL_SSL: 'true' });
  assert.equal(error.code, 'HANDSHAKE_SSL_ERROR');
  assert.match(error.message, /self-signed certificate in certificate chain/);
});

test('a trusted certificate for another name is rejected: a host name is verified too', async () => {
  // localhost is 127.0.0.1, but the certificate names the IP address only.
  const error = await refusal({ MYSQL_HOST: 'localhost', MYSQL_SSL_CA_PATH: join(dir, 'ca.pem') });
  assert.equal(error.code, 'HANDSHAKE_SSL_ERROR');
  assert.match(error.message, /Hostname\/IP does not match certificate's altnames: Host: localhost/);
});
