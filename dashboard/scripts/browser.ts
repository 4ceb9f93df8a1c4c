/**
 * Headless Chromium for the dashboard's browser tests and benchmark: Debian's /usr/bin/chromium
 * (`apt-get install chromium`; CHROMIUM_PATH to use another), driven by playwright-core, which
 * downloads no browser of its own. Every background service that would reach the internet is off.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const chromiumAvailable = () => existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}
