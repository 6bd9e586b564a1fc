// The environment of a second local stack beside the developer's own: its own data directory,
// and every port the stack serves (the `port` variables the stack reads in platform/settings.json)
// moved by `offset`. Its paths come from that data directory, never from the developer's
// PETADOTA_LOG_DIR or PETADOTA_ENV_FILE.
import { readSetting, SETTINGS } from '../../platform/settings';

export function secondStackEnv(dataDir: string, offset: number): Record<string, string> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PETADOTA_DATA_DIR: dataDir,
  };
  for (const declared of SETTINGS.values()) {
    if (declared.type !== 'port' || !declared.readers.includes('stack')) continue;
    env[declared.name] = String(Number(readSetting({}, declared.name)) + offset);
  }
  delete env.PETADOTA_LOG_DIR;
  delete env.PETADOTA_ENV_FILE;
  return env;
}
