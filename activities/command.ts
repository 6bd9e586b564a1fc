// Runs an external program (terraform, ansible-playbook, a Spark batch job) from an activity: its output goes to
// the activity log, it heartbeats while it runs, and it is stopped when the activity is cancelled.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../contracts/errors';
import { invalidConfiguration } from './failures';

export interface CommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that mean "try again later" (a retryable failure); any other non-zero is not. */
  retryableExitCodes?: number[];
}

const KEPT_LINES = 200;
const HEARTBEAT_MS = 10_000;

/**
 * Resolves with the program's last output lines; a non-zero exit is a CommandFailed, retryable
 * only for the `retryableExitCodes`.
 */
export function runCommand(command: string, args: string[], options: CommandOptions = {}): Promise<string[]> {
  const context = Context.current();
  const commandLine = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const onLine = (line: string): void => {
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      context.log.info(line, { command });
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);

    const heartbeat = setInterval(
      () => context.heartbeat({ command: commandLine, lastLine: lines.at(-1) }),
      HEARTBEAT_MS,
    );
    context.cancelled.catch(() => child.kill('SIGTERM'));

    child.on('error', (error: NodeJS.ErrnoException) => {
      clearInterval(heartbeat);
      reject(
        error.code === 'ENOENT'
          ? invalidConfiguration(
              `${command} is not installed on the worker's machine (PATH: ${options.env?.PATH ?? process.env.PATH})`,
              error,
            )
          : error,
      );
    });
    child.on('close', (code, signal) => {
      clearInterval(heartbeat);
      if (code === 0) return resolve(lines);
      const transient = code !== null && options.retryableExitCodes?.includes(code);
      reject(
        ApplicationFailure.create({
          type: transient ? ErrorType.CommandFailedTransiently : ErrorType.CommandFailed,
          nonRetryable: !transient,
          message: `${commandLine} exited with ${code ?? signal}; last lines:\n${lines.slice(-20).join('\n')}`,
        }),
      );
    });
  });
}
