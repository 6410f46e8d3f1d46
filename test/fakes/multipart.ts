// multipart/form-data for the fake platform APIs: fastify keeps the raw body, the Fetch API's own parser reads it
// (the same parser family the real clients' FormData comes from), so the fakes check a real multipart upload.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface UploadedFile {
  field: string;
  fileName: string;
  mimeType: string;
  bytes: Buffer;
}

export function acceptMultipart(app: FastifyInstance): void {
  app.addContentTypeParser(/^multipart\/form-data/, { parseAs: 'buffer', bodyLimit: 32 * 1024 * 1024 }, (_req, body, done) => done(null, body));
}

/** The form's text fields and its files; undefined when the request is not a well-formed multipart body. */
export async function readForm(req: FastifyRequest): Promise<{ fields: Record<string, string>; files: UploadedFile[] } | undefined> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('multipart/form-data') || !Buffer.isBuffer(req.body)) return undefined;
  let form: FormData;
  try {
    form = await new Response(req.body, { headers: { 'content-type': type } }).formData();
  } catch {
    return undefined;
  }
  const fields: Record<string, string> = {};
  const files: UploadedFile[] = [];
  for (const [field, v] of form.entries()) {
    if (typeof v === 'string') fields[field] = v;
    else files.push({ field, fileName: v.name, mimeType: v.type, bytes: Buffer.from(await v.arrayBuffer()) });
  }
  return { fields, files };
}
