// The admin's customer import on the dashboard: the page uploads the CSV as the request body (streamed to disk by
// upload.ts), the server's import jobs (src/import/jobs.ts — the same ones the admin API and `npm run import` use,
// so one import runs at a time) check it (dry run) or apply it, and the page polls the job for its progress,
// summary, merge list and problem rows. Admin only; a tenant's admins see only their tenant's jobs.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ImportBusyError, type ImportJobView } from '../../import/jobs.js';
import type { WebSession } from '../../services/web-sessions.js';
import { IMPORT_BODY_LIMIT, PROBLEMS_GONE } from '../admin-import.js';
import { declaredLength, saveUpload, UploadTooLargeError } from '../upload.js';
import { adminOnly } from './admin.js';
import type { DashboardRoutes } from './kit.js';

const startQuery = z.object({ apply: z.enum(['true', 'false']).default('false') });
const jobParam = z.object({ id: z.uuid() });
const TOO_LARGE = `文件太大：最大 ${IMPORT_BODY_LIMIT / 1024 / 1024} MB。请把文件拆成几份分别导入（每份都带表头）。`;
const NO_FILE = '请选择一个 CSV 文件（第一行是表头：公司名、电话、负责人……）。';

/**
 * One bar for the whole run, never going back: applying reads the file twice (its format is checked before anything
 * is written), so the check fills the first half and the writing the second; a finished job is at 100.
 */
function percentOf(v: ImportJobView): number {
  if (v.status === 'done') return 100;
  if (!v.apply) return v.progress.percent;
  return v.progress.phase === 'scan' ? Math.floor(v.progress.percent / 2) : 50 + Math.floor(v.progress.percent / 2);
}

/** A job as the page reads it: progress, and when done the summary (customers only) and where its problem rows are. */
const jobJson = (v: ImportJobView) => ({
  id: v.id,
  status: v.status,
  apply: v.apply,
  progress: { ...v.progress, percent: percentOf(v) },
  ...(v.result ? { result: v.result } : {}),
  ...(v.error ? { message: v.error } : {}),
  ...(v.problemRows ? { problemRows: v.problemRows, problemsCsv: `/app/api/admin/imports/${v.id}/problems.csv` } : {}),
});

export const adminImportRoutes: DashboardRoutes = async (app, kit) => {
  const admin = (s: WebSession, reply: FastifyReply) => adminOnly(kit, s, reply);
  /** A job of the signed-in admin's tenant (the jobs are the server's, shared by every tenant). */
  const jobOf = async (s: WebSession, params: unknown) => {
    const p = jobParam.safeParse(params);
    const v = p.success ? await kit.imports.get(p.data.id) : undefined;
    return v?.tenantId === s.actor.tenantId ? v : undefined;
  };
  const busy = (reply: FastifyReply) => reply.code(409).send({ error: 'busy', message: '另一个导入正在进行，请等它完成后再试。' });

  await app.register(async (scope) => {
    // The body is not parsed: the route streams it to disk (saveUpload), counting it against the limit.
    scope.addContentTypeParser(['text/csv', 'application/octet-stream'], (_req, payload, done) => done(null, payload));
    scope.post('/app/api/admin/imports', async (req, reply) => {
      const s = await kit.signedInForChange(req, reply);
      if (!s || !admin(s, reply)) return reply;
      const q = startQuery.safeParse(req.query);
      const body = req.body as Readable | undefined;
      if (!q.success || !body || typeof body.pipe !== 'function') return reply.code(400).send({ error: 'no_file', message: NO_FILE });
      if ((declaredLength(req.headers) ?? 0) > IMPORT_BODY_LIMIT) return reply.code(413).header('connection', 'close').send({ error: 'too_large', message: TOO_LARGE });
      try {
        kit.imports.assertIdle();
      } catch (err) {
        if (err instanceof ImportBusyError) return busy(reply);
        throw err;
      }
      const path = kit.imports.uploadPath();
      let size: number;
      try {
        size = await saveUpload(body, path, IMPORT_BODY_LIMIT);
      } catch (err) {
        if (err instanceof UploadTooLargeError) return reply.code(413).header('connection', 'close').send({ error: 'too_large', message: TOO_LARGE });
        throw err;
      }
      if (size === 0) {
        kit.imports.discard(path);
        return reply.code(400).send({ error: 'no_file', message: NO_FILE });
      }
      let view: ImportJobView;
      try {
        view = await kit.imports.start({ kind: 'customers', tenantId: s.actor.tenantId, importerId: s.actor.userId, mapping: {}, apply: q.data.apply === 'true', all: false }, path, { via: 'dashboard', userId: s.actor.userId });
      } catch (err) {
        kit.imports.discard(path);
        if (err instanceof ImportBusyError) return busy(reply);
        throw err;
      }
      return reply.code(202).send(jobJson(view));
    });
  });

  app.get('/app/api/admin/imports/:id', async (req, reply) => {
    const s = await kit.signedIn(req, reply);
    if (!s || !admin(s, reply)) return reply;
    const v = await jobOf(s, req.params);
    if (!v) return reply.code(404).send({ error: 'not_found', message: '没有这个导入任务，请重新上传文件。' });
    return kit.noStore(reply).send(jobJson(v));
  });

  app.get('/app/api/admin/imports/:id/problems.csv', async (req, reply) => {
    const s = await kit.signedIn(req, reply);
    if (!s || !admin(s, reply)) return reply;
    const v = await jobOf(s, req.params);
    const path = v ? await kit.imports.problemsFile(v.id) : undefined;
    if (!path) return reply.code(404).send({ error: 'not_found', message: PROBLEMS_GONE });
    return kit
      .noStore(reply)
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="problems.csv"; filename*=UTF-8''${encodeURIComponent('问题行.csv')}`)
      .send(createReadStream(path));
  });
};
