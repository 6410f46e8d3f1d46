// The digest's chart as a PNG for WeCom, DingTalk and the console (Feishu draws the same data natively): the SVG
// of cards/chart-svg.ts rasterised by resvg (@resvg/resvg-js, a prebuilt native binary from npm) with Noto Sans SC
// loaded from its npm package and no system fonts, so every server draws the same picture.
// Size: drawn at 1.5× for sharp text on phones; if that is over the target it is drawn smaller, and a picture over
// the hard cap (the smallest platform image limit we send to) is refused rather than sent.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { chartSvg, CHART_FONT, CHART_WIDTH } from '../../cards/chart-svg.js';
import type { CardChart } from '../../cards/model.js';

const require = createRequire(import.meta.url);
/** One weight only: resvg parses its fonts on every picture (~0.15 s for this 10 MB file), a second would double it. */
let fontFiles: string[] | undefined;
const fonts = () => (fontFiles ??= [require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf')]);

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
  /** Time spent drawing (all attempts), ms. */
  ms: number;
}

export async function renderChartPng(chart: CardChart, title: string, limits: { targetBytes?: number; maxBytes?: number } = {}): Promise<ChartPng> {
  // Loaded on the first chart, not at start-up (a native module). renderAsync parses and draws on libuv's thread
  // pool: the event loop keeps answering platform callbacks meanwhile.
  const { renderAsync } = await import('@resvg/resvg-js');
  const target = limits.targetBytes ?? CHART_TARGET_BYTES;
  const max = limits.maxBytes ?? CHART_MAX_BYTES;
  const svg = chartSvg(chart, title);
  const started = performance.now();
  let best: { png: Buffer; width: number; height: number } | undefined;
  for (const scale of SCALES) {
    const r = await renderAsync(svg, {
      fitTo: { mode: 'width', value: Math.round(CHART_WIDTH * scale) },
      font: { fontFiles: fonts(), loadSystemFonts: false, defaultFontFamily: CHART_FONT },
      background: '#ffffff',
    });
    best = { png: r.asPng(), width: r.width, height: r.height };
    if (best.png.length <= target) break;
  }
  const ms = performance.now() - started;
  if (best!.png.length > max) throw new ChartTooLarge(best!.png.length);
  return { ...best!, ms };
}
