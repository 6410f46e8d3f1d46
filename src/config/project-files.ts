// Files of the project found at run time, from the sources or from the bundle `npm start` runs.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `relative` (a path inside the project) found upwards from `moduleUrl`'s folder — from the sources, or from the
 * bundle `npm start` runs in node_modules/.cache/chatcrm/. Throws a Chinese message naming `what` when absent.
 */
export function findUpwards(moduleUrl: string, relative: string, what: string): string {
  const from = dirname(fileURLToPath(moduleUrl));
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`找不到${what}（从 ${from} 向上查找）`);
  }
}
