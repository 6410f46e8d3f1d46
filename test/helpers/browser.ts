// Debian's Chromium for the browser tests, driven by playwright-core (no browser download): where it is, the flags
// this closed network needs (no background connections), the phone viewport the screens are checked at, and
// test/artifacts/ (ignored by git) for screenshots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(process.cwd(), 'test', 'artifacts');
export const PHONE = { width: 390, height: 844 };

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Starts Chromium headless (and makes sure test/artifacts/ exists); `args` are added to the usual flags. */
export async function launchChromium(args: string[] = []): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...args] });
}
