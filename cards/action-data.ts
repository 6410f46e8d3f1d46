// Button payloads: small, versioned, validated with zod on the way back in. Never trusted for identity.
import { z } from 'zod';

export const ACTIONS = ['approve', 'reject', 'log', 'snooze', 'lost', 'choose', 'confirm_handover', 'show', 'voice'] as const;
export const MAX_ACTION_DATA_BYTES = 200;

export const actionDataSchema = z.object({
  v: z.literal(1),
  a: z.enum(ACTIONS),
  /** Short id of the record the button is about (A-12, D-17, a handover id). */
  id: z.string().min(1).max(64),
  /** Option number for choice cards; for a voice note's card 1 = 确认, 2 = 修改, 3 = 取消. */
  n: z.number().int().min(1).max(99).optional(),
});
export type ActionData = z.infer<typeof actionDataSchema>;

export function encodeActionData(data: Omit<ActionData, 'v'>): string {
  const s = JSON.stringify({ v: 1, ...data });
  if (Buffer.byteLength(s) > MAX_ACTION_DATA_BYTES) throw new Error('action data too large');
  return s;
}

export function decodeActionData(s: string): { ok: true; value: ActionData } | { ok: false; error: string } {
  if (typeof s !== 'string' || Buffer.byteLength(s) > MAX_ACTION_DATA_BYTES) return { ok: false, error: 'oversize' };
  let raw: unknown;
  try {
    raw = JSON.parse(s);
  } catch {
    return { ok: false, error: 'not json' };
  }
  const r = actionDataSchema.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: 'invalid' };
}
