// The operators' CLI: bin/petadota <command>. Starts and inspects the platform's workflows.
import { IMAGES_TASK_QUEUE } from '../../contracts/images';
import { TRENDS_TASK_QUEUE } from '../../contracts/trends';
import { PROVISIONING_TASK_QUEUE } from '../../contracts/provisioning';
import { IMAGES_USAGE, images } from './commands/images';
import { checkPetApis, servePetApi } from './commands/pet-apis';
import { provision } from './commands/provision';
import { simulate, trends, TRENDS_USAGE } from './commands/trends';
import { replay, REPLAY_USAGE } from './commands/replay';
import { serveSite, SITE_USAGE } from './commands/site';
import { watch } from './commands/watch';
import { exitCodeFor, installSignalHandlers, Interrupted } from './interrupt';
import { CancellationNotConfirmed, NoWorkerError } from './progress';
import { UsageError } from './usage';
import { ConfigError, loadConfig, type PlatformConfig } from '../../platform/config';
import { startWorkers } from '../worker';

const USAGE = `Usage: bin/petadota <command> [options]

Commands:
  worker                          run the platform's worker (until Ctrl-C)
  provision [--environment local] [--mode local|cloud]
                                  run provisionInfrastructure (ID provision:<environment>) and print
                                  its validation report; exit code 1 when validation fails
${IMAGES_USAGE}
${TRENDS_USAGE}
${REPLAY_USAGE}
${SITE_USAGE}
  watch [--every 10]              a line every few seconds: images stored, clicks counted, top animals
  check-pet-apis                  ask the configured Dog API and Cat API for one image each;
                                  exit code 1 when either cannot be reached
  pet-api [--port 8099] [--image-size 400]
                                  serve the local stand-in for both pet APIs (offline demos, tests)
  help                            this text

Commands that wait for a workflow say so after a few seconds when no worker polls its task
queue, and exit 4 (--wait-for-worker keeps waiting). The first Ctrl-C stops the wait (the
workflow goes on in Temporal; simulate cancels its run), a second one exits at once.

Configuration comes from environment variables (see README.md, Configuration).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'worker':
      return runWorker(loadConfig());
    case 'provision':
      return provision(loadConfig(), rest);
    case 'images':
      return images(loadConfig(), rest);
    case 'trends':
      return trends(loadConfig(), rest);
    case 'simulate':
      return simulate(loadConfig(), rest);
    case 'watch':
      return watch(loadConfig(), rest);
    case 'site':
      return serveSite(loadConfig(), rest);
    case 'replay':
      return replay(loadConfig(), rest);
    case 'check-pet-apis':
      return checkPetApis(loadConfig());
    case 'pet-api':
      return servePetApi(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

async function runWorker(config: PlatformConfig): Promise<number> {
  const workers = await startWorkers(config);
  console.log(
    `worker polling ${PROVISIONING_TASK_QUEUE}, ${IMAGES_TASK_QUEUE} and ${TRENDS_TASK_QUEUE} on ${config.temporal.address} (Ctrl-C stops it)`,
  );
  await workers.done;
  return 0;
}

installSignalHandlers();
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof NoWorkerError || error instanceof CancellationNotConfirmed) {
      console.error(error.message);
      process.exit(4);
    }
    if (error instanceof Interrupted) {
      console.error(
        `${error.signal}: stopped waiting; what was started goes on in Temporal (it is not cancelled)`,
      );
      process.exit(exitCodeFor(error.signal));
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (error instanceof ConfigError) {
      console.error(`configuration error: ${error.message}`);
      process.exit(2);
    }
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(2);
  },
);
