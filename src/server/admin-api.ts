// The admin HTTP API (ADMIN_TOKEN bearer): tenants, users, teams and their chats, and per-tenant rules
// (approval thresholds, nudge rules, quiet/working hours, digest, pool), leads and assignment rules (admin-leads.ts). Schemas are zod; /admin/api/openapi.json
// describes them.
import { asc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { auditLog, teams, tenants, users } from '../db/schema/index.js';
import { mergeSettings, readSettings, tenantSettingsSchema } from '../domain/settings.js';
import { DomainError } from '../domain/errors.js';
import { assertManagerChange } from '../services/settings.js';
import { moveStepsOfLeaver } from '../services/approvals.js';
import { systemCtx } from '../services/audit.js';
import { bindTeamChat } from '../services/team-chats.js';
import { createAdminAuth } from './admin-auth.js';
import { adminImportRoutes } from './admin-import.js';
import { createImportJobs, type ImportJobs } from '../import/jobs.js';
import { adminLeadRoutes } from './admin-leads.js';
import { adminOpenApi } from './admin-openapi.js';
import { settingsPatchSchema, teamChatSchema, teamCreateSchema, userPatchSchema } from './admin-schemas.js';

const idParam = z.object({ id: z.uuid() });

/** A service rule's refusal as its Chinese message (answered 400); anything else is a real error. */
async function domainRefusal(check: () => Promise<void>): Promise<string | undefined> {
  try {
    await check();
    return undefined;
  } catch (e) {
    if (e instanceof DomainError) return e.userMessage;
    throw e;
  }
}
function parse<T>(schema: z.ZodType<T>, value: unknown): { ok: true; value: T } | { ok: false; error: object } {
  const r = schema.safeParse(value);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: { error: 'invalid request', issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) } };
}

/** `jobs`: the server's import jobs (shared with the local tools); without it the API keeps its own. */
export function adminApi(db: Db, token: string | undefined, jobs?: ImportJobs) {
  return async (app: FastifyInstance) => {
    if (!token) return;
    const imports = jobs ?? createImportJobs(db, 'database');
    if (!jobs) app.addHook('onClose', async () => imports.close());
    await app.register(
      async (api) => {
        api.addHook('onRequest', createAdminAuth(token));
        await adminImportRoutes(api, db, imports);
        await adminLeadRoutes(api, db);
        api.get('/openapi.json', async () => adminOpenApi());
        api.get('/tenants', async () => db.select().from(tenants).orderBy(asc(tenants.createdAt)));
        api.get('/tenants/:id/settings', async (req, reply) => {
          const p = parse(idParam, req.params);
          if (!p.ok) return reply.code(400).send(p.error);
          const [t] = await db.select().from(tenants).where(eq(tenants.id, p.value.id));
          return t ? readSettings(t.settings) : reply.code(404).send({ error: 'not found' });
        });
        api.patch('/tenants/:id/settings', async (req, reply) => {
          const p = parse(idParam, req.params);
          const b = parse(settingsPatchSchema, req.body);
          if (!p.ok) return reply.code(400).send(p.error);
          if (!b.ok) return reply.code(400).send(b.error);
          const [t] = await db.select().from(tenants).where(eq(tenants.id, p.value.id));
          if (!t) return reply.code(404).send({ error: 'not found' });
          const before = readSettings(t.settings);
          const next = parse(tenantSettingsSchema, mergeSettings(before, b.value));
          if (!next.ok) return reply.code(400).send(next.error);
          await db.transaction(async (tx) => {
            await tx.update(tenants).set({ settings: next.value, updatedAt: new Date() }).where(eq(tenants.id, t.id));
            await tx.insert(auditLog).values({ tenantId: t.id, action: 'settings.update', entityType: 'tenant', entityId: t.id, before, after: next.value });
          });
          return next.value;
        });
        api.get('/tenants/:id/users', async (req, reply) => {
          const p = parse(idParam, req.params);
          if (!p.ok) return reply.code(400).send(p.error);
          return db.select().from(users).where(eq(users.tenantId, p.value.id)).orderBy(asc(users.createdAt));
        });
        api.patch('/users/:id', async (req, reply) => {
          const p = parse(idParam, req.params);
          const b = parse(userPatchSchema, req.body);
          if (!p.ok) return reply.code(400).send(p.error);
          if (!b.ok) return reply.code(400).send(b.error);
          const [u] = await db.select().from(users).where(eq(users.id, p.value.id));
          if (!u) return reply.code(404).send({ error: 'not found' });
          // The same rules as /设置 上级 (services/settings.ts), so no check exists in one path only.
          if (b.value.managerId) {
            const [manager] = await db.select().from(users).where(eq(users.id, b.value.managerId));
            if (!manager) return reply.code(400).send({ error: '没有找到这位上级（managerId）。' });
            const refused = await domainRefusal(() => assertManagerChange(db, u, manager));
            if (refused) return reply.code(400).send({ error: refused });
          }
          if (b.value.teamId) {
            const [team] = await db.select().from(teams).where(eq(teams.id, b.value.teamId));
            if (!team || team.tenantId !== u.tenantId) return reply.code(400).send({ error: '没有找到这个团队（teamId），或它不属于该用户的公司。' });
          }
          const [updated] = await db.transaction(async (tx) => {
            const rows = await tx.update(users).set({ ...b.value, updatedAt: new Date(), ...(b.value.active === false ? { deactivatedAt: new Date() } : {}) }).where(eq(users.id, u.id)).returning();
            await tx.insert(auditLog).values({ tenantId: u.tenantId, action: 'user.update', entityType: 'user', entityId: u.id, before: u, after: rows[0] });
            // Deactivating someone moves their pending approval steps on (the same service as /交接).
            if (u.active && b.value.active === false) {
              const [t] = await tx.select({ timeZone: tenants.timeZone }).from(tenants).where(eq(tenants.id, u.tenantId));
              await moveStepsOfLeaver(systemCtx(tx, u.tenantId, new Date(), t?.timeZone ?? 'Asia/Shanghai'), u.id, { reason: 'deactivate' });
            }
            return rows;
          });
          return updated;
        });
        api.get('/tenants/:id/teams', async (req, reply) => {
          const p = parse(idParam, req.params);
          if (!p.ok) return reply.code(400).send(p.error);
          return db.select().from(teams).where(eq(teams.tenantId, p.value.id));
        });
        api.post('/teams', async (req, reply) => {
          const b = parse(teamCreateSchema, req.body);
          if (!b.ok) return reply.code(400).send(b.error);
          const [team] = await db.insert(teams).values(b.value).onConflictDoNothing().returning();
          return team ? reply.code(201).send(team) : reply.code(409).send({ error: 'team exists' });
        });
        api.post('/teams/:id/chats', async (req, reply) => {
          const p = parse(idParam, req.params);
          const b = parse(teamChatSchema, req.body);
          if (!p.ok) return reply.code(400).send(p.error);
          if (!b.ok) return reply.code(400).send(b.error);
          const [team] = await db.select().from(teams).where(eq(teams.id, p.value.id));
          if (!team) return reply.code(404).send({ error: 'not found' });
          // The same function as /设置 战报 本群 in the chat (services/team-chats.ts).
          const bound = await bindTeamChat(db, team, b.value);
          return reply.code(bound.created ? 201 : 200).send(bound.chat);
        });
      },
      { prefix: '/admin/api' },
    );
  };
}
