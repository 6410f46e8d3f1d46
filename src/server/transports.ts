// Every way in and its state, for /readyz and the start-up log: webhook routes are `listening` while the server
// runs; long connections report their watchdog's state (bots/watchdog.ts) and the time of their last frame.
import type { ChatAdapter, TransportStatus } from '../adapter.js';

export function transportStatuses(adapters: ChatAdapter[]): TransportStatus[] {
  return adapters.flatMap((a) => {
    if (a.status) return a.status();
    if (a.httpRoutes.length > 0) return [{ transport: a.platform, mode: 'webhook' as const, state: 'listening' as const }];
    return [];
  });
}

/** One line per transport: `wecom-robot (long connection): open`. */
export function describeTransports(statuses: TransportStatus[]): string {
  return statuses.map((s) => `${s.transport} (${s.mode === 'webhook' ? 'webhook' : '长连接 long connection'}): ${s.state}`).join('; ');
}
