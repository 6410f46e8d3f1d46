// Admin HTTP routes for leads: create a lead that the tenant's assignment rules place (the same service as chat
// /新线索), and read or replace the assignment rules (the same checks as /设置 分配). Inside the admin API scope.
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { auditLog, tenants } from '../db/schema/index.js';
import { DomainError } from '../domain/errors.js';
import { assignmentSettingsSchema, mergeSettings, readSettings, tenantSettingsSchema } from '../domain/settings.js';
import { createLead } from '../services/assignment.js';
import { assertTargetsInTenant, describeAssignment } from '../services/assignment-settings.js';
import { systemCtx } from '../services/audit.js';
import { customerShortId } from '../services/customers.js';
import { leadCreateSchema } from './admin-schemas.js';

const idParam = z.object({ id: z.uuid() });
const issues = (e: z.ZodError) => ({ error: 'invalid request', issues: e.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });

export async function adminLeadRoutes(api: FastifyInstance, db: Db) {
  api.post('/tenants/:id/leads', async (req, reply) => {
    const p = idParam.safeParse(req.params);
    const b = leadCreateSchema.safeParse(req.body);
    if (!p.success) return reply.code(400).send(issues(p.error));
    if (!b.success) return reply.code(400).send(issues(b.error));
    const [tenant] = await db.select().from(tenants).where(eq(tenants.id, p.data.id));
    if (!tenant) return reply.code(404).send({ error: 'not found' });
    const { allowSimilar, source, ...fields } = b.data;
    try {
      const lead = await db.transaction((tx) =>
        createLead(systemCtx(tx, tenant.id, new Date(), tenant.timeZone), { ...fields, ...(source ? { sourceChannel: source } : {}) }, { allowSimilar: !!allowSimilar }),
      );
      const r = lead.result;
      if ('similar' in r) {
        return reply.code(409).send({
          error: '有名称相似的客户，没有新建；确认是另一家公司请加 "allowSimilar": true 重新提交。',
          similar: r.similar.map((s) => ({ id: s.customer.id, code: customerShortId(s.customer), name: s.customer.name, ownerName: s.ownerName })),
        });
      }
      if (!r.created) {
        return reply.code(409).send({
          error: `客户已存在（${r.matchedBy === 'phone' ? '电话相同' : '公司名相同'}）：${customerShortId(r.customer)} ${r.customer.name}，负责人：${r.ownerName}。`,
          existing: { id: r.customer.id, code: customerShortId(r.customer), name: r.customer.name, ownerName: r.ownerName },
        });
      }
      const c = lead.customer!;
      return reply.code(201).send({ id: c.id, code: customerShortId(c), name: c.name, ownerId: c.ownerId, ownerName: lead.choice!.ownerName ?? null, rule: lead.choice!.rule });
    } catch (e) {
      if (e instanceof DomainError) return reply.code(400).send({ error: e.userMessage });
      throw e;
    }
  });

  api.get('/tenants/:id/assignment', async (req, reply) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) return reply.code(400).send(issues(p.error));
    const [tenant] = await db.select().from(tenants).where(eq(tenants.id, p.data.id));
    if (!tenant) return reply.code(404).send({ error: 'not found' });
    const assignment = readSettings(tenant.settings).assignment;
    return { ...assignment, described: await describeAssignment(db, tenant.id, assignment) };
  });

  api.put('/tenants/:id/assignment', async (req, reply) => {
    const p = idParam.safeParse(req.params);
    const b = assignmentSettingsSchema.strict().safeParse(req.body);
    if (!p.success) return reply.code(400).send(issues(p.error));
    if (!b.success) return reply.code(400).send(issues(b.error));
    const [tenant] = await db.select().from(tenants).where(eq(tenants.id, p.data.id));
    if (!tenant) return reply.code(404).send({ error: 'not found' });
    try {
      await assertTargetsInTenant(db, tenant.id, b.data.rules, b.data.defaultTeamId);
    } catch (e) {
      if (e instanceof DomainError) return reply.code(400).send({ error: e.userMessage });
      throw e;
    }
    const before = readSettings(tenant.settings);
    // Arrays replace in mergeSettings: the rules sent are the rules.
    const next = tenantSettingsSchema.parse(mergeSettings(before, { assignment: b.data }));
    await db.transaction(async (tx) => {
      await tx.update(tenants).set({ settings: next, updatedAt: new Date() }).where(eq(tenants.id, tenant.id));
      await tx.insert(auditLog).values({ tenantId: tenant.id, action: 'settings.update', entityType: 'tenant', entityId: tenant.id, before, after: next });
    });
    return { ...next.assignment, described: await describeAssignment(db, tenant.id, next.assignment) };
  });
}
