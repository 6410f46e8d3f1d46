// Per-tenant rules with their defaults: approval thresholds, nudge timings, quiet and working hours, digests.
// Stored as JSON on the tenant; every read goes through this schema so a missing key means "the default".
import { z } from 'zod';

const hour = z.number().int().min(0).max(23);

export const tenantSettingsSchema = z.object({
  approval: z
    .object({
      /** Quotes at or above this amount need finance and tech approval (fen; default 50,000 CNY). */
      financeTechMinFen: z.number().int().positive().default(5_000_000),
      /** Discounts above this need the sales director (basis points; default 5%). */
      directorDiscountBp: z.number().int().min(0).max(10_000).default(500),
      /** A pending step older than this many working hours reminds its approver once. */
      reminderWorkingHours: z.number().positive().default(8),
    })
    .prefault({}),
  nudges: z
    .object({
      silenceHours: z.number().positive().default(48),
      escalateAfterHours: z.number().positive().default(24),
      snoozeHours: z.number().positive().default(24),
      newLeadHours: z.number().positive().default(24),
      stagnantDays: z.number().positive().default(30),
      silentQuoteDays: z.number().positive().default(15),
    })
    .prefault({}),
  quietHours: z
    .object({
      enabled: z.boolean().default(true),
      /** Nothing is sent from `start` until `end` (local time) … */
      start: hour.default(21),
      end: hour.default(8),
      /** … nor on these ISO weekdays (6 = Saturday, 7 = Sunday). */
      days: z.array(z.number().int().min(1).max(7)).default([6, 7]),
    })
    .prefault({}),
  workingHours: z
    .object({
      start: hour.default(9),
      end: hour.default(18),
      days: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5]),
    })
    .prefault({}),
  digest: z.object({ hour: hour.default(8), enabled: z.boolean().default(true) }).prefault({}),
});

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

/** Reads stored settings; anything invalid falls back to the defaults for that key. */
export function readSettings(stored: unknown): TenantSettings {
  const parsed = tenantSettingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : tenantSettingsSchema.parse({});
}
