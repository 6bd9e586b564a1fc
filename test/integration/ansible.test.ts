import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { runAnsiblePlaybook } from '../../activities/provisioning/cloud';
import { connectMysql } from '../../platform/clients';
import { isolatedConfig } from '../kit/isolated';
import { testSettings } from '../kit/platform';

const run = promisify(execFile);
// The playbook's server is this machine's system MariaDB, on a port of its own so that it
// never meets the local stack's server.
const config = isolatedConfig({ MYSQL_PORT: testSettings.string('ANSIBLE_TEST_MYSQL_PORT') });
const { database, accountHost, pipeline, stream, readonly } = config.mysql;

after(async () => {
  const drop = [
    `DROP DATABASE IF EXISTS \`${database}\``,
    ...[pipeline, stream, readonly].map(
      (account) => `DROP USER IF EXISTS '${account.user}'@'${accountHost}'`,
    ),
  ].join(';');
  await run('mariadb', ['--socket=/run/mysqld/mysqld.sock', '-u', 'root', '-e', drop]);
});

test(
  'the Ansible playbook installs and configures MariaDB here, and a second run changes nothing',
  { timeout: 600_000 },
  async () => {
    // The activity logs every line of ansible-playbook; the test shows only warnings.
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') });
    const play = (): Promise<string[]> =>
      env.run<Parameters<typeof runAnsiblePlaybook>, string[], typeof runAnsiblePlaybook>(
        runAnsiblePlaybook,
        config.cloud.ansiblePlaybook,
        config.mysql,
        config.cloud.ansibleInventory,
      );
    const first = await play();
    const second = await play();

    assert.equal(first.length, 1);
    assert.match(first[0]!, /^ansible localhost : ok=\d+ changed=[1-9]\d* unreachable=0 failed=0 /);
    assert.equal(second.length, 1);
    assert.match(second[0]!, /^ansible localhost : ok=\d+ changed=0 unreachable=0 failed=0 /);

    // The server answers on the configured port with the schema and accounts of infra/sql.
    const writer = await connectMysql(config.mysql, pipeline, { database });
    const reader = await connectMysql(config.mysql, readonly, { database });
    try {
      await writer.query(
        "INSERT INTO contadores_raca (tipo, raca, ultimo_numero) VALUES ('gato', 'persa', 1)",
      );
      const [rows] = await reader.query('SELECT tipo, raca, ultimo_numero FROM contadores_raca');
      assert.deepEqual(rows, [{ tipo: 'gato', raca: 'persa', ultimo_numero: 1 }]);
      await assert.rejects(reader.query("DELETE FROM contadores_raca WHERE raca = 'persa'"), {
        code: 'ER_TABLEACCESS_DENIED_ERROR',
      });
    } finally {
      await writer.end();
      await reader.end();
    }
  },
);
