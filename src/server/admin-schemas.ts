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
export const teamCreateSchema = z.object({ tenantId: z.uuid(), name: z.string().min(1).max(FIELD_LIMITS.teamName.max) }).strict();
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
    quoteDocument: sectionPatch(tenantSettingsSchema.shape.quoteDocument.unwrap()).optional(),
    voice: sectionPatch(tenantSettingsSchema.shape.voice.unwrap()).optional(),
    pipeline: pipelinePatchSchema.optional(),
    pool: sectionPatch(tenantSettingsSchema.shape.pool.unwrap()).optional(),
    afterWin: sectionPatch(tenantSettingsSchema.shape.afterWin.unwrap()).optional(),
    collection: sectionPatch(tenantSettingsSchema.shape.collection.unwrap()).optional(),
  })
  .strict();
/** A new lead: the tenant's assignment rules choose its owner (src/services/assignment.ts). */
export const leadCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(FIELD_LIMITS.companyName.max),
    phone: z.string().max(FIELD_LIMITS.phone.max).optional(),
    region: z.string().max(FIELD_LIMITS.region.max).optional(),
    industry: z.string().max(FIELD_LIMITS.industry.max).optional(),
    source: z.string().max(FIELD_LIMITS.source.max).optional(),
    /** 产品 / 需求 words matched by keyword rules (not stored). */
    productLine: z.string().max(200).optional(),
    /** Create even when similar names exist (never despite an exact one). */
    allowSimilar: z.boolean().optional(),
  })
  .strict();
