// Background work of a server process: the outbox sender loop (and, later, the scheduler).
import type { ChatAdapter, Dispatch } from '../bots/adapter.js';
import type { Db } from './db/client.js';
import { createOutboxWorker } from './outbox/worker.js';

export interface BackgroundDeps {
  db: Db;
  adapters: ChatAdapter[];
  dispatch: Dispatch;
  log: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  pollMs?: number;
}

export interface Background {
  /** Wake the sender now (after a commit that queued messages). */
  kick(): void;
  stop(): Promise<void>;
}

export function startBackground(deps: BackgroundDeps): Background {
  const worker = createOutboxWorker({ db: deps.db, adapters: deps.adapters, log: deps.log });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let again = false;

  const tick = () => {
    if (stopped) return;
    clearTimeout(timer);
    running = running
      .then(async () => {
        do {
          again = false;
          await worker.drain();
        } while (again && !stopped);
      })
      .catch((err) => deps.log.error({ err }, 'outbox sender failed; will retry'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, deps.pollMs ?? 1000);
      });
  };
  tick();
  return {
    kick() {
      again = true;
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
