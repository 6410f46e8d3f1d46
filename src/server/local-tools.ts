// Routes for the local command-line tools while the server runs (PGlite is single-process: `npm run import` and
// `npm run export` cannot open the data directory the server holds, so they hand their job to it). Only from the
// loopback interface, and only signed with the data directory's key (src/server/local-secret.ts) — whoever can
// read DATA_DIR could open the database anyway. The server runs the very same job functions the tools run.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { EXPORT_KINDS, runExportJob } from '../export/job.js';
import { IMPORT_FIELDS, ImportFileError } from '../import/customers.js';
import { CsvFormatError } from '../import/decode.js';
import { IMPORT_KINDS, runImportJob } from '../import/job.js';
import { verifyLocalRequest } from './local-secret.js';

export const LOCAL_IMPORT_PATH = '/local/import';
export const LOCAL_EXPORT_PATH = '/local/export';

const importBody = z
  .object({
    job: z.object({
      kind: z.enum(IMPORT_KINDS).optional(),
      tenant: z.string().max(200).optional(),
      as: z.string().max(200).optional(),
      mapping: z.record(z.string().max(200), z.enum(IMPORT_FIELDS).nullable()),
      apply: z.boolean(),
      all: z.boolean(),
    }),
    /** The file's bytes, base64: the encoding (UTF-8, GBK) is detected from the bytes as for a local file. */
    file: z.string().max(16 * 1024 * 1024),
  })
  .strict();
const exportBody = z.object({ job: z.object({ tenant: z.string().max(200).optional(), only: z.enum(EXPORT_KINDS).optional(), gbk: z.boolean() }) }).strict();

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function localTools(db: Db, describe: string, secret: string) {
  return async (app: FastifyInstance) => {
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 24 * 1024 * 1024 }, (_req, body, done) => done(null, body));
      scope.addHook('preHandler', async (req, reply) => {
        const ts = String(req.headers['x-console-timestamp'] ?? '');
        const sig = String(req.headers['x-console-signature'] ?? '');
        if (!LOOPBACK.has(req.ip) || typeof req.body !== 'string' || !verifyLocalRequest(secret, ts, sig, req.body)) {
          return reply.code(401).send({ error: 'unauthorized' });
        }
      });
      const parse = <T>(schema: z.ZodType<T>, body: unknown): T | undefined => {
        try {
          const r = schema.safeParse(JSON.parse(String(body)));
          return r.success ? r.data : undefined;
        } catch {
          return undefined;
        }
      };
      scope.post(LOCAL_IMPORT_PATH, async (req, reply) => {
        const b = parse(importBody, req.body);
        if (!b) return reply.code(400).send({ error: '请求格式不对' });
        try {
          return await runImportJob(db, `${describe}（通过运行中的服务）`, Buffer.from(b.file, 'base64'), b.job);
        } catch (err) {
          if (err instanceof ImportFileError || err instanceof CsvFormatError) return reply.code(422).send({ error: err.userMessage });
          throw err;
        }
      });
      scope.post(LOCAL_EXPORT_PATH, async (req, reply) => {
        const b = parse(exportBody, req.body);
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
  };
}
