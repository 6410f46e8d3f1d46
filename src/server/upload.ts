// Receiving an uploaded file (an import) by streaming the request body to a file on disk, never into memory, with
// a size limit counted as the bytes arrive. `onChunk` sees every piece (a signature computed on the way).
import { createWriteStream, rmSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class UploadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`upload over ${limit} bytes`);
  }
}

/** Writes the body to `path` and returns its size; over `limit` bytes it stops, removes the file and throws. */
export async function saveUpload(body: Readable, path: string, limit: number, onChunk?: (b: Buffer) => void): Promise<number> {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > limit) return done(new UploadTooLargeError(limit));
      onChunk?.(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, counter, createWriteStream(path, { mode: 0o600 }));
    return size;
  } catch (err) {
    rmSync(path, { force: true });
    throw err;
  }
}

/** The declared Content-Length, when there is one. */
export const declaredLength = (headers: Record<string, string | string[] | undefined>) => {
  const v = Number(headers['content-length']);
  return Number.isFinite(v) ? v : undefined;
};
