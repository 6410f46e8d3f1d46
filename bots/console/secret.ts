// The console route's shared secret: a random key in DATA_DIR/console.key (mode 0600), readable by the local CLI.
import { randomBytes } from 'node:crypto';
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
