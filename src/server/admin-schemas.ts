// The admin API's request bodies as zod schemas: validated by src/server/admin-api.ts and described by
// src/server/admin-openapi.ts from the same objects.
import { z } from 'zod';
import { pipelinePatchSchema, tenantSettingsSchema } from '../domain/settings.js';
import { ROLES } from '../domain/roles.js';
import { FIELD_LIMITS } from '../domain/text-gate.js';

export const userPatchSchema = z
  .object({
    role: z.enum(ROLES).optional(),
    managerId: z.uuid().nullable().optional(),
    teamId: z.uuid().nullable().optional(),
    active: z.boolean().optional(),
    region: z.string().max(64).nullable().optional(),
  })
  .strict();
export const teamCreateSchema = z.object({ tenantId: z.uuid(), name: z.string().min(1).max(FIELD_LIMITS.teamName.max), digestHour: z.number().int().min(0).max(23).optional() }).strict();
export const teamChatSchema = z.object({ platform: z.enum(['wecom', 'dingtalk', 'feishu', 'console']), chatId: z.string().min(1).max(256) }).strict();
/** A section's fields, each optional and WITHOUT its default, so a patch changes only what it names. */
function sectionPatch<S extends z.ZodRawShape>(section: z.ZodObject<S>) {
  const shape = Object.fromEntries(
    Object.entries(section.shape).map(([k, v]) => [k, (v instanceof z.ZodDefault ? (v.unwrap() as z.ZodType) : (v as z.ZodType)).optional()]),
  );
  return z.object(shape).strict();
}
export const settingsPatchSchema = z
  .object({
    approval: sectionPatch(tenantSettingsSchema.shape.approval.unwrap()).optional(),
    nudges: sectionPatch(tenantSettingsSchema.shape.nudges.unwrap()).optional(),
    quietHours: sectionPatch(tenantSettingsSchema.shape.quietHours.unwrap()).optional(),
    workingHours: sectionPatch(tenantSettingsSchema.shape.workingHours.unwrap()).optional(),
    digest: sectionPatch(tenantSettingsSchema.shape.digest.unwrap()).optional(),
    voice: sectionPatch(tenantSettingsSchema.shape.voice.unwrap()).optional(),
    pipeline: pipelinePatchSchema.optional(),
  })
  .strict();
