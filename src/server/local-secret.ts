// The shared secret of the local tools (the console CLI, import and export) and a running server: a random key in
// DATA_DIR/console.key (mode 0600), readable only by whoever may read the data directory. A request signed with it
// (HMAC-SHA256 over "timestamp\nbody", ±5 minutes) is from this machine's operator.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function readConsoleSecret(dataDir: string, opts: { create: boolean }): string | undefined {
  const path = join(dataDir, 'console.key');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  if (!opts.create) return undefined;
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(path, secret, { mode: 0o600 });
  return secret;
}

export const LOCAL_WINDOW_MS = 5 * 60_000;

export function signLocalRequest(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${body}`).digest('hex');
}

/** The signature checked in constant time, then the timestamp window. */
export function verifyLocalRequest(secret: string, timestamp: string, signature: string, body: string, now = Date.now()): boolean {
  const expected = Buffer.from(signLocalRequest(secret, timestamp, body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  return /^\d{10,16}$/.test(timestamp) && Math.abs(now - Number(timestamp)) <= LOCAL_WINDOW_MS;
}
