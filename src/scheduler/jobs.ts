// node-schedule wiring only: a rules tick every minute, a digest check every minute (each tenant decides
// whether its digest hour has come) and daily housekeeping. The work lives in rules-tick.ts, daily-digest.ts
// and housekeeping.ts.
import schedule from 'node-schedule';
import type { Db } from '../db/client.js';
import { runDailyDigests } from './daily-digest.js';
import { runRulesTick } from './rules-tick.js';
import { claimSlot } from './claim.js';
import { runHousekeeping } from './housekeeping.js';

export interface SchedulerOptions {
  db: Db;
  instanceId: string;
  now?: () => Date;
  onQueued?: () => void;
  log: { error(obj: object, msg?: string): void };
  /** The public address the digests link to (src/compose.ts publicUrlOf). */
  publicUrl?: string;
}

export function startScheduler(opts: SchedulerOptions) {
  const now = opts.now ?? (() => new Date());
  let running: Promise<void> | undefined;
  const run = async () => {
    try {
      const t = now();
      const minute = t.toISOString().slice(0, 16);
      // One instance runs each minute's rules; the nudge claims keep it exactly-once even if two do.
      if (await claimSlot(opts.db, 'rules', minute, opts.instanceId)) await runRulesTick(opts.db, t);
      await runDailyDigests(opts.db, t, opts.instanceId, { log: opts.log, ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}) });
      await runHousekeeping(opts.db, t, opts.instanceId);
      opts.onQueued?.();
    } catch (err) {
      opts.log.error({ err }, 'scheduler tick failed; the next tick catches up');
    }
  };
  /** One tick at a time: a tick asked for while one runs is that one. */
  const tick = () =>
    (running ??= run().finally(() => {
      running = undefined;
    }));
  const job = schedule.scheduleJob('* * * * *', () => void tick());
  return {
    tick,
    stop() {
      job?.cancel();
    },
  };
}
