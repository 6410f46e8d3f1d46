// The watchdog of one long connection (Feishu ws, DingTalk Stream, WeCom robot): it notes every frame the connection
// receives (messages, events, pongs); when none came within `silenceMs` it drops the connection — a half-open socket
// that went silent without closing is the failure the SDKs miss — and every loss is followed by a reconnect after an
// exponential backoff with full jitter (so many clients do not come back in step). An outage longer than
// `warnAfterMs` is logged once as a warning, and its end once; retries in between log nothing. The state is what
// /readyz reports. Timers are unref'd and read the injected clock.
import type { TransportStatus } from '../src/adapter.js';

export interface WatchdogLog {
  info?(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface WatchdogOptions {
  transport: string;
  /** No frame for this long on an open connection: it is dead. */
  silenceMs: number;
  /** Opens a new connection (the old one is closed first by `drop`). May throw: that counts as a failed attempt. */
  connect(): void | Promise<void>;
  /** Closes the current connection at once (no close handshake: the peer may be gone). */
  drop(): void;
  /** Sends a ping every `heartbeatMs` while open, for transports whose SDK does not (DingTalk). */
  ping?(): void;
  heartbeatMs?: number;
  /** Backoff: first retry after about `baseMs`, doubling, at most `maxMs` (defaults 1 s and 60 s). */
  baseMs?: number;
  maxMs?: number;
  /** An outage this long is logged once (default one minute). */
  warnAfterMs?: number;
  now?: () => number;
  random?: () => number;
  log?: WatchdogLog;
}

export type Watchdog = ReturnType<typeof createWatchdog>;

/** A long connection's timings, the same knobs on every platform (tests shorten them). */
export interface LongConnectionTimings {
  /** How often a ping goes out (WeCom robot: the SDK's heartbeat; DingTalk: ours; Feishu: the server decides). */
  heartbeatMs?: number;
  /** No frame for this long → reconnect. */
  silenceMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  warnAfterMs?: number;
  now?: () => number;
  random?: () => number;
}

/** The watchdog options a platform passes through from its timings. */
export function watchdogTimings(t: LongConnectionTimings) {
  return {
    ...(t.backoffBaseMs !== undefined ? { baseMs: t.backoffBaseMs } : {}),
    ...(t.backoffMaxMs !== undefined ? { maxMs: t.backoffMaxMs } : {}),
    ...(t.warnAfterMs !== undefined ? { warnAfterMs: t.warnAfterMs } : {}),
    ...(t.now ? { now: t.now } : {}),
    ...(t.random ? { random: t.random } : {}),
  };
}

/** Full jitter: a uniform delay in [base·2^(n-1) / 2, base·2^(n-1)], capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export function createWatchdog(o: WatchdogOptions) {
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  const baseMs = o.baseMs ?? 1000;
  const maxMs = o.maxMs ?? 60_000;
  const warnAfterMs = o.warnAfterMs ?? 60_000;
  let state: TransportStatus['state'] = 'stopped';
  let lastFrameAt: number | undefined;
  let openedAt = 0;
  let downSince: number | undefined;
  let warned = false;
  let attempts = 0;
  /** When the current reconnect attempt began (it must open within `silenceMs` too). */
  let attemptAt: number | undefined;
  let retry: NodeJS.Timeout | undefined;
  let tick: NodeJS.Timeout | undefined;
  let pinger: NodeJS.Timeout | undefined;

  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

  function check() {
    const t = now();
    if (state === 'open' && t - Math.max(lastFrameAt ?? 0, openedAt) > o.silenceMs) {
      lost(`silent for ${t - Math.max(lastFrameAt ?? 0, openedAt)} ms`);
    } else if (state === 'connecting' && t - openedAt > o.silenceMs) {
      lost('no answer');
    } else if (state === 'down' && !retry && attemptAt !== undefined && t - attemptAt > o.silenceMs) {
      lost('no answer');
    }
    if (state === 'down' && downSince !== undefined && !warned && t - downSince >= warnAfterMs) {
      warned = true;
      o.log?.warn({ transport: o.transport, downSince: iso(downSince), attempts }, `长连接已断开超过 ${Math.round(warnAfterMs / 1000)} 秒，正在重连 (long connection down)`);
    }
  }

  function schedule() {
    clearTimeout(retry);
    attempts++;
    const delay = backoffDelay(attempts, baseMs, maxMs, random);
    retry = setTimeout(() => {
      retry = undefined;
      if (state !== 'down') return;
      attemptAt = now();
      try {
        const r = o.connect();
        if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).catch(() => lost('connect failed'));
      } catch {
        lost('connect failed');
      }
    }, delay);
    retry.unref?.();
  }

  /** The connection is gone (closed, refused, silent): reconnect after the backoff. */
  function lost(reason: string) {
    if (state === 'stopped' || state === 'replaced') return;
    if (state !== 'down') {
      downSince = now();
      warned = false;
      attempts = 0;
      // The start of an outage, at info level; a warning comes only if it lasts (check()).
      o.log?.info?.({ transport: o.transport, reason }, 'long connection lost: reconnecting');
    }
    state = 'down';
    attemptAt = undefined;
    try {
      o.drop();
    } catch {
      /* already gone */
    }
    schedule();
  }

  return {
    /** Begins watching; `connect` has been (or is being) called by the caller. */
    start() {
      state = 'connecting';
      openedAt = now();
      clearInterval(tick);
      tick = setInterval(check, Math.max(10, Math.min(1000, Math.floor(o.silenceMs / 4))));
      tick.unref?.();
      clearInterval(pinger);
      if (o.ping && o.heartbeatMs) {
        pinger = setInterval(() => {
          if (state !== 'open') return;
          try {
            o.ping!();
          } catch {
            /* the silence bound notices */
          }
        }, o.heartbeatMs);
        pinger.unref?.();
      }
    },
    /** Any frame received. */
    frame() {
      lastFrameAt = now();
    },
    /** Connected and authenticated. */
    opened() {
      if (state === 'stopped') return;
      const t = now();
      if (state === 'down' && downSince !== undefined && warned) {
        o.log?.warn({ transport: o.transport, downMs: t - downSince, attempts }, '长连接已恢复 (long connection restored)');
      }
      state = 'open';
      openedAt = t;
      downSince = undefined;
      warned = false;
      attempts = 0;
    },
    lost,
    /** Another connection took over (WeCom's disconnected_event): no reconnect, or the two would take turns. */
    replaced() {
      state = 'replaced';
      clearTimeout(retry);
    },
    stop() {
      state = 'stopped';
      clearTimeout(retry);
      clearInterval(tick);
      clearInterval(pinger);
    },
    /** Runs the periodic check now (tests that move the clock). */
    check,
    status(): TransportStatus {
      return {
        transport: o.transport,
        mode: 'long connection',
        state,
        ...(lastFrameAt !== undefined ? { lastFrameAt: iso(lastFrameAt)! } : {}),
        ...(state === 'down' && downSince !== undefined ? { downSince: iso(downSince)!, attempts } : {}),
      };
    },
  };
}
