// The digest's chart as a PNG for WeCom, DingTalk and the console (Feishu draws the same data natively): the SVG
// of cards/chart-svg.ts rasterised by resvg (@resvg/resvg-js, a prebuilt native binary from npm) with Noto Sans SC
// loaded from its npm package and no system fonts, so every server draws the same picture.
// Font: resvg's native binding takes fonts only as file paths and re-reads a file each time it lays out a text
// element (24 of them in a chart), which with the 10 MB Noto Sans SC cost ~150 ms of every picture. So each picture
// gets its own font: the glyphs of exactly the characters in its SVG (every label, the team and stage names
// included), cut from the full font by harfbuzz's subsetter (harfbuzzjs, wasm) — the full font is read into the
// subsetter's memory once per process, on the first picture; a subset is ~25 KB and ~2 ms, and draws the same
// pixels as the full font. Should the subsetter fail, the picture is drawn with the full font file.
// Memory: the subsetter holds ~60 MB resident while it lives (harfbuzz's wasm memory with the font; measured with
// 20 pictures: 243 MB against 176 MB with the full font file). The digest run lets it go when it has drawn its
// pictures (releaseChartFonts): that gives back ~35 MB (the wasm memory), and loading it again the next morning costs
// ~0.1–0.9 s once — cheaper than carrying it all day beside an import.
// Size: drawn at 1.5× for sharp text on phones; if that is over the target it is drawn smaller, and a picture over
// the hard cap (the smallest platform image limit we send to) is refused rather than sent.
import { mkdtempSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chartSvg, CHART_FONT, CHART_WIDTH } from '../../cards/chart-svg.js';
import type { CardChart } from '../../cards/model.js';

const require = createRequire(import.meta.url);
/** One weight only: the chart has no bold text. */
const FONT_FILE = require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf');

/** Good size for a chat picture; above it the chart is drawn at a smaller scale. */
export const CHART_TARGET_BYTES = 200 * 1024;
/** Never send more: the smallest image limit among the platforms that receive the picture (DingTalk 1 MB). */
export const CHART_MAX_BYTES = 1024 * 1024;
const SCALES = [1.5, 1, 0.75] as const;

export class ChartTooLarge extends Error {
  constructor(readonly bytes: number) {
    super(`digest chart PNG is ${bytes} bytes, over ${CHART_MAX_BYTES}`);
    this.name = 'ChartTooLarge';
  }
}

export interface ChartPng {
  png: Buffer;
  width: number;
  height: number;
  /** Time spent drawing (the font subset and all attempts), ms. */
  ms: number;
  /** Size of the font subset the picture was drawn with; undefined when it was drawn with the full font file. */
  subsetBytes: number | undefined;
}

/** The exports of harfbuzz-subset.wasm that we call (a standalone module: no imports, its own memory). */
interface HbSubset {
  memory: { buffer: ArrayBuffer };
  malloc(n: number): number;
  hb_blob_create(data: number, length: number, mode: number, userData: number, destroy: number): number;
  hb_blob_destroy(blob: number): void;
  hb_blob_get_data(blob: number, length: number): number;
  hb_blob_get_length(blob: number): number;
  hb_face_create(blob: number, index: number): number;
  hb_face_destroy(face: number): void;
  hb_face_reference_blob(face: number): number;
  hb_set_add(set: number, codePoint: number): void;
  hb_subset_input_create_or_fail(): number;
  hb_subset_input_destroy(input: number): void;
  hb_subset_input_unicode_set(input: number): number;
  hb_subset_or_fail(face: number, input: number): number;
}

/** Cuts fonts from the full Noto Sans SC, which stays in the subsetter's memory for the life of the process. */
type Subsetter = (codePoints: Iterable<number>) => Buffer | undefined;

/** The tsconfig's lib has no WebAssembly types; Node has the global. */
const wasmApi = (globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array): Promise<{ instance: { exports: unknown } }> } }).WebAssembly;

async function loadSubsetter(): Promise<Subsetter> {
  const [wasm, font] = await Promise.all([readFile(require.resolve('harfbuzzjs/dist/harfbuzz-subset.wasm')), readFile(FONT_FILE)]);
  const hb = (await wasmApi.instantiate(wasm)).instance.exports as unknown as HbSubset;
  const at = hb.malloc(font.length);
  if (!at) throw new Error('harfbuzz could not allocate the font');
  new Uint8Array(hb.memory.buffer).set(font, at);
  const blob = hb.hb_blob_create(at, font.length, 1 /* HB_MEMORY_MODE_READONLY: the bytes stay ours, never freed */, 0, 0);
  const face = hb.hb_face_create(blob, 0);
  hb.hb_blob_destroy(blob); // the face holds its own reference
  return (codePoints) => {
    const input = hb.hb_subset_input_create_or_fail();
    if (!input) return undefined;
    const set = hb.hb_subset_input_unicode_set(input);
    for (const cp of codePoints) hb.hb_set_add(set, cp);
    const subset = hb.hb_subset_or_fail(face, input);
    hb.hb_subset_input_destroy(input);
    if (!subset) return undefined;
    const result = hb.hb_face_reference_blob(subset);
    // Copied out of the wasm memory (read after the subset: the memory may have grown meanwhile).
    const bytes = Buffer.from(new Uint8Array(hb.memory.buffer, hb.hb_blob_get_data(result, 0), hb.hb_blob_get_length(result)));
    hb.hb_blob_destroy(result);
    hb.hb_face_destroy(subset);
    return bytes.length > 0 ? bytes : undefined;
  };
}

let subsetter: Promise<Subsetter | undefined> | undefined;
let fontDir: string | undefined;
let fontSeq = 0;

/**
 * Drops the subsetter (and the full font in its memory) once a run of pictures is drawn; the next picture loads it
 * again. Pictures being drawn keep the one they started with.
 */
export function releaseChartFonts(): void {
  subsetter = undefined;
}

/** Every character of the SVG (its text is in there, entities aside) and printable ASCII (what entities stand for). */
export function chartCodePoints(svg: string): Set<number> {
  const cps = new Set<number>();
  for (let c = 0x20; c <= 0x7e; c++) cps.add(c);
  for (const ch of svg) cps.add(ch.codePointAt(0)!);
  return cps;
}

/**
 * The font file for one picture and how to clean it up: a subset with the SVG's characters, or the full font when
 * the subsetter is not to be had.
 */
async function fontFor(svg: string, full: boolean): Promise<{ file: string; bytes: number | undefined; done(): Promise<void> }> {
  let bytes: Buffer | undefined;
  if (!full) {
    subsetter ??= loadSubsetter().catch(() => undefined);
    try {
      bytes = (await subsetter)?.(chartCodePoints(svg));
    } catch {
      bytes = undefined;
    }
  }
  if (!bytes) return { file: FONT_FILE, bytes: undefined, done: async () => {} };
  fontDir ??= mkdtempSync(join(tmpdir(), 'chatcrm-chart-font-'));
  const file = join(fontDir, `${process.pid}-${++fontSeq}.ttf`);
  await writeFile(file, bytes);
  return { file, bytes: bytes.length, done: () => rm(file, { force: true }) };
}

export async function renderChartPng(chart: CardChart, title: string, limits: { targetBytes?: number; maxBytes?: number; /** Draw with the full font file (slow; for comparison). */ fullFont?: boolean } = {}): Promise<ChartPng> {
  // Loaded on the first chart, not at start-up (a native module). renderAsync parses and draws on libuv's thread
  // pool: the event loop keeps answering platform callbacks meanwhile (the PNG encoding, asPng, runs on it: ~15 ms).
  const { renderAsync } = await import('@resvg/resvg-js');
  const target = limits.targetBytes ?? CHART_TARGET_BYTES;
  const max = limits.maxBytes ?? CHART_MAX_BYTES;
  const svg = chartSvg(chart, title);
  const started = performance.now();
  const font = await fontFor(svg, limits.fullFont ?? false);
  let best: { png: Buffer; width: number; height: number } | undefined;
  try {
    for (const scale of SCALES) {
      const r = await renderAsync(svg, {
        fitTo: { mode: 'width', value: Math.round(CHART_WIDTH * scale) },
        font: { fontFiles: [font.file], loadSystemFonts: false, defaultFontFamily: CHART_FONT },
        background: '#ffffff',
      });
      best = { png: r.asPng(), width: r.width, height: r.height };
      if (best.png.length <= target) break;
    }
  } finally {
    await font.done();
  }
  const ms = performance.now() - started;
  if (best!.png.length > max) throw new ChartTooLarge(best!.png.length);
  return { ...best!, ms, subsetBytes: font.bytes };
}
