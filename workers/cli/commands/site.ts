// `bin/petadota site`: the gallery, the click collector and the live dashboard (stack service web).
import { parseArgs } from 'node:util';
import type { PlatformConfig } from '../../../platform/config';
import { startSite } from '../../site/start';
import { whenInterrupted } from '../interrupt';
import { wholeNumber } from '../usage';

export const SITE_USAGE = `  site [--port 8000]               serve the gallery (/), the click collector (POST /v1/clicks) and
                                  the live dashboard (/tendencias) until Ctrl-C`;

export async function serveSite(config: PlatformConfig, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' } } });
  const port = values.port === undefined ? config.site.port : wholeNumber('--port', values.port, 0, 65_535);
  const site = await startSite(config, { port });
  console.log(
    `site on ${site.url}: gallery ${site.url}/, dashboard ${site.url}/tendencias (Ctrl-C stops it)`,
  );
  await whenInterrupted().catch(() => undefined);
  await site.close();
  return 0;
}
