// `bin/petadota pet-api` serves the local stand-in for the Dog API and The Cat API;
// `bin/petadota check-pet-apis` tells whether the configured pet APIs answer.
import { parseArgs } from 'node:util';
import { fetchCatCandidates, fetchDogCandidates } from '../../../activities/images/pet-apis';
import type { PlatformConfig } from '../../../platform/config';
import { createHttpClient } from '../../../platform/clients';
import { LocalPetApi } from '../../pet-api/server';
import { whenInterrupted } from '../interrupt';
import { UsageError } from '../usage';

export async function servePetApi(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string', default: '8099' }, 'image-size': { type: 'string', default: '400' } },
  });
  const port = Number(values.port);
  const imageSize = Number(values['image-size']);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port: bad port '${values.port}'`);
  if (!Number.isInteger(imageSize) || imageSize < 8 || imageSize > 4000) {
    throw new UsageError(`--image-size must be 8 to 4000 pixels, got '${values['image-size']}'`);
  }
  const api = await new LocalPetApi({ port, imageSize, imagePrefix: Date.now().toString(36) }).start();
  console.log(`local pet API listening on ${api.origin} (Ctrl-C stops it); point the worker at it with:`);
  console.log(`  DOG_API_URL=${api.dogApiUrl} CAT_API_URL=${api.catApiUrl}`);
  await whenInterrupted().catch(() => undefined);
  await api.stop();
  return 0;
}

/** Asks each configured API for one image: exit 0 when both answer with their real shapes. */
export async function checkPetApis(config: PlatformConfig): Promise<number> {
  const http = createHttpClient(5000);
  const checks = [
    {
      name: 'Dog API',
      url: config.pets.dogApiUrl,
      fetch: () => fetchDogCandidates(http, config.pets.dogApiUrl, 1),
    },
    {
      name: 'Cat API',
      url: config.pets.catApiUrl,
      fetch: () => fetchCatCandidates(http, config.pets.catApiUrl, 1, config.pets.catApiKey),
    },
  ];
  let reachable = 0;
  for (const check of checks) {
    try {
      await check.fetch();
      console.log(`${check.name} at ${check.url}: ok`);
      reachable += 1;
    } catch (error) {
      console.log(`${check.name} at ${check.url}: cannot be reached (${(error as Error).message})`);
    }
  }
  return reachable === checks.length ? 0 : 1;
}
