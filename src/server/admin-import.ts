// Admin HTTP routes for onboarding files: POST a CSV (UTF-8 or GBK bytes) to dry-run or apply an import, and
// download customers/deals as CSV. Registered inside the admin API scope, so the same bearer auth applies.
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { tenants } from '../db/schema/index.js';
import { customersCsv, dealsCsv, encodeCsv } from '../export/customers.js';
import { findImporter, ImportFileError, importCustomers } from '../import/customers.js';
import { CsvFormatError, decodeBytes, parseCsv } from '../import/decode.js';
import { importUsers } from '../import/users.js';

const params = z.object({ id: z.uuid(), kind: z.enum(['customers', 'users']) });
const query = z.object({ apply: z.enum(['true', 'false']).default('false'), as: z.string().min(1).max(128).optional() });
const exportParams = z.object({ id: z.uuid(), file: z.enum(['customers.csv', 'deals.csv']) });
const exportQuery = z.object({ encoding: z.enum(['utf8', 'utf-8', 'gbk']).default('utf8') });

export const IMPORT_BODY_LIMIT = 10 * 1024 * 1024;

export async function adminImportRoutes(api: FastifyInstance, db: Db) {
  await api.register(async (scope) => {
    scope.addContentTypeParser(['text/csv', 'application/octet-stream', 'text/plain'], { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.post('/tenants/:id/import/:kind', async (req, reply) => {
      const p = params.safeParse(req.params);
      const q = query.safeParse(req.query);
      if (!p.success || !q.success) return reply.code(400).send({ error: 'invalid request' });
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) return reply.code(400).send({ error: '请以 text/csv 上传 CSV 文件内容' });
      const [tenant] = await db.select().from(tenants).where(eq(tenants.id, p.data.id));
      if (!tenant) return reply.code(404).send({ error: 'not found' });
      const apply = q.data.apply === 'true';
      try {
        const decoded = decodeBytes(req.body);
        const records = parseCsv(decoded.text);
        if (p.data.kind === 'users') {
          const report = await importUsers(db, records, { tenantId: tenant.id, apply });
          const counts = { total: report.total, create: report.create.length, update: report.update.length, unchanged: report.unchanged.length, bad: report.bad.length };
          return { encoding: decoded.encoding, counts, ...report };
        }
        const importer = await findImporter(db, tenant.id, q.data.as);
        const report = await importCustomers(db, records, { tenantId: tenant.id, importer, apply, timeZone: tenant.timeZone });
        const counts = {
          total: report.totalRows,
          create: apply ? report.created.length : report.toCreate.length,
          existing: report.existing.length,
          duplicates: report.duplicates.length,
          bad: report.bad.length,
        };
        return { kind: 'customers', encoding: decoded.encoding, counts, ...report };
      } catch (err) {
        if (err instanceof ImportFileError || err instanceof CsvFormatError) return reply.code(422).send({ error: err.userMessage });
        throw err;
      }
    });
    scope.get('/tenants/:id/export/:file', async (req, reply) => {
      const p = exportParams.safeParse(req.params);
      const q = exportQuery.safeParse(req.query);
      if (!p.success || !q.success) return reply.code(400).send({ error: 'invalid request' });
      const [tenant] = await db.select().from(tenants).where(eq(tenants.id, p.data.id));
      if (!tenant) return reply.code(404).send({ error: 'not found' });
      const { text } = p.data.file === 'customers.csv' ? await customersCsv(db, tenant.id) : await dealsCsv(db, tenant.id);
      const gbk = q.data.encoding === 'gbk';
      return reply
        .header('content-type', `text/csv; charset=${gbk ? 'gbk' : 'utf-8'}`)
        .header('content-disposition', `attachment; filename="${p.data.file}"`)
        .send(encodeCsv(text, gbk ? 'gbk' : 'utf-8-bom'));
    });
  });
}
