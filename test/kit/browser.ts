// A real Chromium for the site's tests: Debian's, driven by playwright-core (which downloads no
// browser), headless, with the background networking a closed machine refuses switched off.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { testSettings } from './platform';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Saves what the page shows under the test logs (tests/screenshots/NAME.png); returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = join(testSettings.string('PETADOTA_LOG_DIR'), 'tests', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
