// The digest chart picture: time to draw one PNG (a Noto Sans SC subset cut by harfbuzz, then resvg on libuv's thread
// pool), its size, and how late the event loop ran meanwhile (the scheduler draws in the server process; the subset,
// ~2 ms, and the PNG encoding, ~15 ms, run on the main thread) next to how late it runs on the same machine doing nothing.
// The first picture (native module and font loaded) is timed on its own.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { CardChart } from '../../cards/model.js';
import { renderChartPng } from '../../src/documents/digest-chart.js';

const chartFor = (k: number): CardChart => ({
  bars: ['线索', '初访', '方案', '报价'].map((label, i) => ({ label, count: ((k * 7 + i * 13) % 40) + 1, amountFen: 100 })),
  trend: Array.from({ length: 7 }, (_, d) => ({ day: `11-${String(18 + d)}`, newDeals: (k + d * 3) % 9, followUps: (k * 2 + d * 5) % 30, won: (k + d) % 3 })),
});

export async function benchChart(n: number) {
  const t0 = performance.now();
  await renderChartPng(chartFor(0), '预热'); // the first call loads the native module, the subsetter and the font
  const firstMs = performance.now() - t0;
  // The same machine doing nothing for 2 s: how much the loop is late anyway (a busy shared machine delays it too).
  const idle = monitorEventLoopDelay({ resolution: 5 });
  idle.enable();
  await new Promise((r) => setTimeout(r, 2000));
  idle.disable();
  const times: number[] = [];
  const sizes: number[] = [];
  const fonts: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const started = performance.now();
  for (let k = 0; k < n; k++) {
    const t0 = performance.now();
    const r = await renderChartPng(chartFor(k), `华东销售${k}部 每日战报 2026-11-25`);
    times.push(performance.now() - t0);
    sizes.push(r.png.length);
    fonts.push(r.subsetBytes ?? 0);
  }
  const totalMs = performance.now() - started;
  loop.disable();
  times.sort((a, b) => a - b);
  return {
    n,
    firstMs,
    maxFontBytes: Math.max(...fonts),
    medianMs: times[Math.floor(n / 2)]!,
    p95Ms: times[Math.min(n - 1, Math.floor(n * 0.95))]!,
    totalMs,
    maxBytes: Math.max(...sizes),
    meanBytes: sizes.reduce((a, b) => a + b, 0) / n,
    loopMaxMs: loop.max / 1e6,
    loopP99Ms: loop.percentile(99) / 1e6,
    idleMaxMs: idle.max / 1e6,
    idleP99Ms: idle.percentile(99) / 1e6,
  };
}
