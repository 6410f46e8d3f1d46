// For the command-line tools: the running server that holds the data directory, reached over its signed
// loopback routes (src/server/local-tools.ts), when the tools cannot open the database themselves.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadEnv, parseCoreEnv } from '../config/env.js';
import { knownEnvNames } from '../config/known-names.js';
import { readConsoleSecret, signLocalRequest } from '../server/local-secret.js';
import { getSignedText, IMPORT_JOB_HEADER, importSignedText, LOCAL_IMPORT_PATH } from '../server/local-tools.js';
import { ImportFileError } from './errors.js';

export interface RunningServer {
  describe: string;
  post<T>(path: string, body: unknown): Promise<T>;
  /** Streams a file to the import route with its job; answers the job id. */
  uploadImport(file: string, job: unknown): Promise<{ id: string }>;
  get<T>(path: string): Promise<T>;
  /** Writes what a GET answers to a local file. */
  download(path: string, to: string): Promise<void>;
}

const sha256OfFile = async (path: string) => {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
};

export function runningServer(): RunningServer {
  const env = parseCoreEnv(loadEnv(), knownEnvNames());
  const secret = readConsoleSecret(env.DATA_DIR, { create: false });
  if (!secret) throw new ImportFileError(`服务正在使用 ${env.DATA_DIR}，但找不到 console.key；请重启服务后再试。`);
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  const base = `http://${host}:${env.PORT}`;
  const signed = (text: string) => {
    const ts = String(Date.now());
    return { 'x-console-timestamp': ts, 'x-console-signature': signLocalRequest(secret, ts, text) };
  };
  async function call(path: string, init: RequestInit & { duplex?: 'half' }): Promise<Response> {
    try {
      return await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10 * 60_000) });
    } catch {
      throw new ImportFileError(`数据目录 ${env.DATA_DIR} 正被另一个进程使用，但 ${base} 没有应答。请确认服务在运行（npm start），或检查 PORT/HOST 设置。`);
    }
  }
  async function json<T>(res: Response): Promise<T> {
    const answer = (await res.json().catch(() => ({}))) as { error?: string } & T;
    if (res.status === 422 && answer.error) throw new ImportFileError(answer.error);
    if (res.status === 413 && answer.error) throw new ImportFileError(answer.error);
    if (!res.ok) throw new Error(`服务返回 ${res.status}${answer.error ? `：${answer.error}` : ''}`);
    return answer;
  }
  return {
    describe: `运行中的服务 ${base}`,
    async post<T>(path: string, body: unknown): Promise<T> {
      const text = JSON.stringify(body);
      return json<T>(await call(path, { method: 'POST', headers: { 'content-type': 'application/json', ...signed(text) }, body: text }));
    },
    async uploadImport(file: string, job: unknown) {
      const jobHeader = Buffer.from(JSON.stringify(job)).toString('base64url');
      const headers = { 'content-type': 'application/octet-stream', [IMPORT_JOB_HEADER]: jobHeader, ...signed(importSignedText(jobHeader, await sha256OfFile(file))) };
      const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
      return json<{ id: string }>(await call(LOCAL_IMPORT_PATH, { method: 'POST', headers, body, duplex: 'half' }));
    },
    async get<T>(path: string): Promise<T> {
      return json<T>(await call(path, { headers: signed(getSignedText(path)) }));
    },
    async download(path: string, to: string) {
      const res = await call(path, { headers: signed(getSignedText(path)) });
      if (!res.ok || !res.body) throw new Error(`服务返回 ${res.status}`);
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(to));
    },
  };
}
