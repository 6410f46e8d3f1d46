// Admin HTTP routes for onboarding files: POST a CSV (UTF-8 or GBK bytes, up to 50 MB, streamed to disk) to
// dry-run or apply an import as a job; read the job's progress and summary, download its problem rows; download
// customers/deals as CSV. Registered inside the admin API scope, so the same bearer auth applies.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { tenants } from '../db/schema/index.js';
import { customersCsv, dealsCsv, encodeCsv } from '../export/customers.js';
import { ImportBusyError, type ImportJobs, type ImportJobView } from '../import/jobs.js';
import { RETENTION } from '../scheduler/housekeeping.js';
import { declaredLength, saveUpload, UploadTooLargeError } from './upload.js';

const params = z.object({ id: z.uuid(), kind: z.enum(['customers', 'users']) });
const query = z.object({
  apply: z.enum(['true', 'false']).default('false'),
  as: z.string().min(1).max(128).optional(),
  /** false: answer 202 at once with the job, and let the caller poll GET /imports/:id. */
  wait: z.enum(['true', 'false']).default('true'),
});
const jobParams = z.object({ id: z.uuid() });
const exportParams = z.object({ id: z.uuid(), file: z.enum(['customers.csv', 'deals.csv']) });
const exportQuery = z.object({ encoding: z.enum(['utf8', 'utf-8', 'gbk']).default('utf8') });

/** The largest import file accepted: a 200,000-row customer file from Excel is about 12–20 MB. */
export const IMPORT_BODY_LIMIT = 50 * 1024 * 1024;
/** Problems files are kept RETENTION.importFilesDays (src/scheduler/housekeeping.ts). */
export const PROBLEMS_GONE = `这个导入任务没有问题行文件（任务未完成、没有问题行，或文件已超过 ${RETENTION.importFilesDays} 天被清理）。`;
const TOO_LARGE = `文件太大：最大 ${IMPORT_BODY_LIMIT / 1024 / 1024} MB。请把文件拆成几份分别导入（每份都带表头）。`;

/** A job as the API answers it, with where its problem rows are. */
const jobJson = (v: ImportJobView) => ({
  ...v,
  ...(v.problemRows ? { problemsCsv: `/admin/api/imports/${v.id}/problems.csv` } : {}),
});

function answerJob(reply: FastifyReply, v: ImportJobView) {
  // A restart stopped it: its committed batches stay, and the same file carries on (the message says so).
  if (v.status === 'interrupted') return reply.code(503).send({ ...jobJson(v), error: v.error });
  if (v.status === 'failed') return reply.code(v.userError ? 422 : 500).send({ ...jobJson(v), error: v.error });
  return reply.code(v.status === 'running' ? 202 : 200).header('location', `/admin/api/imports/${v.id}`).send(jobJson(v));
}

export async function adminImportRoutes(api: FastifyInstance, db: Db, jobs: ImportJobs) {
  await api.register(async (scope) => {
    // The body is not parsed: the route streams it to disk (saveUpload), counting it against the limit.
    scope.addContentTypeParser(['text/csv', 'application/octet-stream', 'text/plain'], (_req, payload, done) => done(null, payload));
    scope.post('/tenants/:id/import/:kind', async (req, reply) => {
      const p = params.safeParse(req.params);
      const q = query.safeParse(req.query);
      if (!p.success || !q.success) return reply.code(400).send({ error: 'invalid request' });
      const body = req.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function') return reply.code(400).send({ error: '请以 text/csv 上传 CSV 文件内容' });
      if ((declaredLength(req.headers) ?? 0) > IMPORT_BODY_LIMIT) return reply.code(413).header('connection', 'close').send({ error: TOO_LARGE });
      const [tenant] = await db.select().from(tenants).where(eq(tenants.id, p.data.id));
      if (!tenant) return reply.code(404).send({ error: 'not found' });
      try {
        jobs.assertIdle();
      } catch (err) {
        if (err instanceof ImportBusyError) return reply.code(409).send({ error: err.message, running: err.runningId });
        throw err;
      }
      const path = jobs.uploadPath();
      let size: number;
      try {
        size = await saveUpload(body, path, IMPORT_BODY_LIMIT);
      } catch (err) {
        if (err instanceof UploadTooLargeError) return reply.code(413).header('connection', 'close').send({ error: TOO_LARGE });
        throw err;
      }
      if (size === 0) {
        jobs.discard(path);
        return reply.code(400).send({ error: '请以 text/csv 上传 CSV 文件内容' });
      }
      let view: ImportJobView;
      try {
        view = await jobs.start({ kind: p.data.kind, tenantId: tenant.id, ...(q.data.as ? { as: q.data.as } : {}), mapping: {}, apply: q.data.apply === 'true', all: false }, path, { via: 'admin API' });
      } catch (err) {
        jobs.discard(path);
        if (err instanceof ImportBusyError) return reply.code(409).send({ error: err.message, running: err.runningId });
        throw err;
      }
      if (q.data.wait === 'true') await jobs.wait(view.id);
      return answerJob(reply, (await jobs.get(view.id)) ?? view);
    });
    scope.get('/imports/:id', async (req, reply) => {
      const p = jobParams.safeParse(req.params);
      const v = p.success ? await jobs.get(p.data.id) : undefined;
      return v ? answerJob(reply, v) : reply.code(404).send({ error: '没有这个导入任务。' });
    });
    scope.get('/imports/:id/problems.csv', async (req, reply) => {
      const p = jobParams.safeParse(req.params);
      const path = p.success ? await jobs.problemsFile(p.data.id) : undefined;
      if (!path) return reply.code(404).send({ error: PROBLEMS_GONE });
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="problems.csv"; filename*=UTF-8''${encodeURIComponent('问题行.csv')}`)
        .send(createReadStream(path));
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
