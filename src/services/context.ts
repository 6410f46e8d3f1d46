// The context every use-case runs in: database handle, the acting user, the chat message it came from, the clock.
import type { Platform } from '../adapter.js';
import type { DbOrTx } from '../db/client.js';
import type { Role } from '../domain/roles.js';

export interface Actor {
  tenantId: string;
  userId: string;
  name: string;
  role: Role;
}

/** Where a write came from: the platform message whose id is its idempotency key. */
export interface Via {
  platform: Platform;
  eventKey: string;
}

export interface Ctx {
  db: DbOrTx;
  actor: Actor;
  via?: Via;
  now: Date;
  timeZone: string;
}
