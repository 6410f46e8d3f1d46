// `npm start`: runs the server from a bundle of src/main.ts (esbuild, in node_modules/.cache/chatcrm/app/), rebuilt
// first when a source file is newer — so starting runs plain JavaScript instead of transpiling every source file
// with tsx (~1.5 s of a 3–4 s start). Plain JavaScript itself, and the server runs in this very process, so the
// signals npm forwards reach it. `node src/start.mjs --build` only builds.
// - Packages stay external (loaded from node_modules as usual); platform adapters are separate chunks, loaded only
//   when that platform is configured (bots/index.ts).
// - Each build goes to its own directory and `app` is switched to it by renaming a symlink, which is atomic: a
//   server starting at the same moment sees the old build or the new one, never half of one.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, 'node_modules', '.cache', 'chatcrm');
const name = `b-${Date.now()}-${process.pid}`;
mkdirSync(cache, { recursive: true });

// Up to date when no source file changed since the current build (a stat per file, a few milliseconds).
function newestSource() {
  let newest = statSync(join(root, 'package-lock.json')).mtimeMs;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mjs|json)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['src', 'bots', 'cards']) walk(join(root, d));
  return newest;
}
const stamp = join(cache, 'app', 'built-from');
const sources = newestSource();
const fresh = existsSync(stamp) && Number(readFileSync(stamp, 'utf8')) >= sources;
if (!fresh) await bundle();
if (!process.argv.includes('--build')) await import(pathToFileURL(join(cache, 'app', 'main.js')).href);

/** A fresh build in its own directory, then `app` switched to it. */
async function bundle() {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(root, 'src', 'main.ts')],
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
    outdir: join(cache, name),
  });
  await esbuild.stop(); // its service process would otherwise live as long as the server

  writeFileSync(join(cache, name, 'built-from'), String(sources));
  const link = join(cache, `link-${process.pid}`);
  rmSync(link, { force: true });
  symlinkSync(name, link);
  renameSync(link, join(cache, 'app'));

  // Keep this build and the one before it (a server may be starting from it); drop older ones.
  const builds = readdirSync(cache).filter((f) => f.startsWith('b-')).sort((a, b) => Number(b.split('-')[1]) - Number(a.split('-')[1]));
  for (const old of builds.slice(2)) rmSync(join(cache, old), { recursive: true, force: true });
}
