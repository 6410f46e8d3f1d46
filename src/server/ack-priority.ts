// Acknowledgements first: the inbox drainers share the server's event loop (and the machine's cores) with the
// platform callbacks they process later. A drainer about to start its next message waits while a callback is
// being answered, at most `maxWaitMs`, so a burst of processing does not sit in front of an ack (p99 at 200 req/s
// while a backlog drains, issue #18). Work already started is never paused; the cap keeps drainers moving under
// a steady stream of callbacks.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface AckPriority {
  /** Undefined when no callback is in flight; else resolves when none is (or after maxWaitMs). */
  turn(): Promise<void> | undefined;
  /** Callbacks being answered now (tests, health). */
  inFlight(): number;
}

export function ackPriority(app: FastifyInstance, o: { prefix?: string; maxWaitMs?: number } = {}): AckPriority {
  const prefix = o.prefix ?? '/bots/';
  const maxWaitMs = o.maxWaitMs ?? 20;
  const open = new WeakSet<FastifyRequest>();
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  const release = () => {
    const w = waiters;
    waiters = [];
    for (const r of w) r();
  };
  const leave = async (req: FastifyRequest) => {
    if (!open.delete(req)) return;
    inFlight--;
    if (inFlight === 0) release();
  };
  app.addHook('onRequest', async (req) => {
    if (req.method !== 'POST' || !req.url.startsWith(prefix)) return;
    open.add(req);
    inFlight++;
  });
  app.addHook('onResponse', leave);
  app.addHook('onRequestAbort', leave);
  return {
    turn() {
      if (inFlight === 0) return undefined;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxWaitMs);
        waiters.push(() => (clearTimeout(timer), resolve()));
      });
    },
    inFlight: () => inFlight,
  };
}
