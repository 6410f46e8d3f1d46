// Routes for the local command-line tools while the server runs (PGlite is single-process: `npm run import` and
// `npm run export` cannot open the data directory the server holds, so they hand their job to it). Only from the
// loopback interface, and only signed with the data directory's key (src/server/local-secret.ts) — whoever can
// read DATA_DIR could open the database anyway. The server runs the very same job functions the tools run.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { EXPORT_KINDS, runExportJob } from '../export/job.js';
import { IMPORT_FIELDS, ImportFileError } from '../import/customers.js';
import { ImportBusyError, type ImportJobs } from '../import/jobs.js';
import { IMPORT_KINDS } from '../import/job.js';
import { IMPORT_BODY_LIMIT } from './admin-import.js';
import { verifyLocalRequest } from './local-secret.js';
import { declaredLength, saveUpload, UploadTooLargeError } from './upload.js';

export const LOCAL_IMPORT_PATH = '/local/import';
export const LOCAL_IMPORTS_PATH = '/local/imports';
export const LOCAL_EXPORT_PATH = '/local/export';
/** The import job's options, base64url JSON, signed together with the file's sha256 (importSignedText). */
export const IMPORT_JOB_HEADER = 'x-import-job';

const importJob = z
  .object({
    kind: z.enum(IMPORT_KINDS).optional(),
    tenant: z.string().max(200).optional(),
    as: z.string().max(200).optional(),
    mapping: z.record(z.string().max(200), z.enum(IMPORT_FIELDS).nullable()),
    apply: z.boolean(),
    all: z.boolean(),
  })
  .strict();
const exportBody = z.object({ job: z.object({ tenant: z.string().max(200).optional(), only: z.enum(EXPORT_KINDS).optional(), gbk: z.boolean() }) }).strict();

/** What an import upload's signature covers: the job header and the sha256 of the file's bytes. */
export const importSignedText = (jobHeader: string, fileSha256: string) => `${LOCAL_IMPORT_PATH}\n${jobHeader}\n${fileSha256}`;
/** What a signed GET covers: its path. */
export const getSignedText = (path: string) => `GET ${path}`;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function localTools(db: Db, secret: string, jobs: ImportJobs) {
  return async (app: FastifyInstance) => {
    const signed = (req: FastifyRequest, text: string) =>
      LOOPBACK.has(req.ip) && verifyLocalRequest(secret, String(req.headers['x-console-timestamp'] ?? ''), String(req.headers['x-console-signature'] ?? ''), text);
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
      scope.addHook('preHandler', async (req, reply) => {
        if (typeof req.body !== 'string' || !signed(req, req.body)) return reply.code(401).send({ error: 'unauthorized' });
      });
      scope.post(LOCAL_EXPORT_PATH, async (req, reply) => {
        let b: z.infer<typeof exportBody> | undefined;
        try {
          const r = exportBody.safeParse(JSON.parse(String(req.body)));
          b = r.success ? r.data : undefined;
        } catch {
          b = undefined;
        }
        if (!b) return reply.code(400).send({ error: '请求格式不对' });
        try {
          const files = await runExportJob(db, b.job);
          return { files: files.map((f) => ({ ...f, bytes: f.bytes.toString('base64') })) };
        } catch (err) {
          if (err instanceof ImportFileError) return reply.code(422).send({ error: err.userMessage });
          throw err;
        }
      });
    });
    // Imports: the file is the body, streamed to disk while its sha256 is computed; the job starts only when the
    // signature over (job, sha256) checks out. Then the tool polls the job and downloads its problem rows.
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
      scope.post(LOCAL_IMPORT_PATH, async (req, reply) => {
        const jobHeader = String(req.headers[IMPORT_JOB_HEADER] ?? '');
        const body = req.body as Readable | undefined;
        if (!LOOPBACK.has(req.ip) || !body || typeof body.pipe !== 'function') return reply.code(401).send({ error: 'unauthorized' });
        if ((declaredLength(req.headers) ?? 0) > IMPORT_BODY_LIMIT) return reply.code(413).header('connection', 'close').send({ error: `文件太大：最大 ${IMPORT_BODY_LIMIT / 1024 / 1024} MB。请把文件拆成几份分别导入（每份都带表头）。` });
        try {
          jobs.assertIdle();
        } catch (err) {
          if (err instanceof ImportBusyError) return reply.code(422).send({ error: err.message });
          throw err;
        }
        const path = jobs.uploadPath();
        const hash = createHash('sha256');
        try {
          await saveUpload(body, path, IMPORT_BODY_LIMIT, (b) => hash.update(b));
        } catch (err) {
          if (err instanceof UploadTooLargeError) return reply.code(413).header('connection', 'close').send({ error: `文件太大：最大 ${IMPORT_BODY_LIMIT / 1024 / 1024} MB。请把文件拆成几份分别导入（每份都带表头）。` });
          throw err;
        }
        let job: z.infer<typeof importJob> | undefined;
        try {
          const r = importJob.safeParse(JSON.parse(Buffer.from(jobHeader, 'base64url').toString('utf8')));
          job = r.success ? r.data : undefined;
        } catch {
          job = undefined;
        }
        if (!signed(req, importSignedText(jobHeader, hash.digest('hex'))) || !job) {
          jobs.discard(path);
          return reply.code(job ? 401 : 400).send({ error: job ? 'unauthorized' : '请求格式不对' });
        }
        try {
          const view = await jobs.start(job, path, { via: 'CLI' });
          return reply.code(202).send({ id: view.id });
        } catch (err) {
          jobs.discard(path);
          if (err instanceof ImportBusyError) return reply.code(422).send({ error: err.message });
          throw err;
        }
      });
      scope.get(`${LOCAL_IMPORTS_PATH}/:id`, async (req, reply) => {
        const { id } = req.params as { id: string };
        if (!signed(req, getSignedText(req.url))) return reply.code(401).send({ error: 'unauthorized' });
        const view = z.uuid().safeParse(id).success ? await jobs.get(id) : undefined;
        if (!view) return reply.code(404).send({ error: '没有这个导入任务' });
        return { ...view, output: await jobs.output(id) };
      });
      scope.get(`${LOCAL_IMPORTS_PATH}/:id/problems.csv`, async (req, reply) => {
        const { id } = req.params as { id: string };
        if (!signed(req, getSignedText(req.url))) return reply.code(401).send({ error: 'unauthorized' });
        const path = z.uuid().safeParse(id).success ? await jobs.problemsFile(id) : undefined;
        if (!path) return reply.code(404).send({ error: '没有问题行文件' });
        return reply.header('content-type', 'text/csv; charset=utf-8').send(createReadStream(path));
      });
    });
  };
}
