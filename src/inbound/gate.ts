// The edge of the core: every inbound event (each platform and the console) passes the text gate before it is
// claimed, stored in the inbox or read by a command. Imports only the contract and src/domain/text-gate.ts.
import type { InboundEvent } from '../adapter.js';
import { gateText, storableJson } from '../domain/text-gate.js';

/**
 * Message text and display names are cleaned for reading (NFKC, invisible characters out); every other string
 * (ids, event keys, card data) only loses what the database refuses, so it still matches the platform's value.
 */
export function gateEvent(event: InboundEvent): InboundEvent {
  const { raw, ...rest } = event;
  const safe = storableJson(rest) as Omit<InboundEvent, 'raw'>;
  const actor = { ...safe.actor, ...(safe.actor.displayName !== undefined ? { displayName: gateText(safe.actor.displayName, { singleLine: true }).trim() } : {}) };
  const gated = { ...safe, actor, receivedAt: event.receivedAt, ...(raw !== undefined ? { raw } : {}) } as InboundEvent;
  if (gated.type === 'message') gated.text = gateText(gated.text);
  return gated;
}
