// A server of the operators' CLI (`bin/petadota site`, `bin/petadota pet-api`) in its own process,
// as the stack runs it, so that a benchmark measures it apart from its own process.
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../test/kit/free-port';

export interface CliServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  process: ChildProcess;
}

/** Runs `bin/petadota COMMAND --port <free port>`, resolving once `healthPath` answers 2xx. */
export async function startCliServer(
  command: string,
  healthPath: string,
  options: { args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<CliServer> {
  const port = await freePort();
  const child = spawn('bin/petadota', [command, '--port', String(port), ...(options.args ?? [])], {
    env: options.env ?? process.env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const up = await fetch(`${origin}${healthPath}`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return { origin, process: child };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`bin/petadota ${command} did not answer on ${origin}${healthPath} within 60 s`);
}
