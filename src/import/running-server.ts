// For the command-line tools: the running server that holds the data directory, reached over its signed
// loopback routes (src/server/local-tools.ts), when the tools cannot open the database themselves.
import { loadEnv, parseCoreEnv } from '../config/env.js';
import { knownEnvNames } from '../config/known-names.js';
import { readConsoleSecret, signLocalRequest } from '../server/local-secret.js';
import { ImportFileError } from './customers.js';

export interface RunningServer {
  describe: string;
  post<T>(path: string, body: unknown): Promise<T>;
}

export function runningServer(): RunningServer {
  const env = parseCoreEnv(loadEnv(), knownEnvNames());
  const secret = readConsoleSecret(env.DATA_DIR, { create: false });
  if (!secret) throw new ImportFileError(`服务正在使用 ${env.DATA_DIR}，但找不到 console.key；请重启服务后再试。`);
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  const base = `http://${host}:${env.PORT}`;
  return {
    describe: `运行中的服务 ${base}`,
    async post<T>(path: string, body: unknown): Promise<T> {
      const text = JSON.stringify(body);
      const ts = String(Date.now());
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-console-timestamp': ts, 'x-console-signature': signLocalRequest(secret, ts, text) },
          body: text,
          signal: AbortSignal.timeout(10 * 60_000),
        });
      } catch {
        throw new ImportFileError(`数据目录 ${env.DATA_DIR} 正被另一个进程使用，但 ${base} 没有应答。请确认服务在运行（npm start），或检查 PORT/HOST 设置。`);
      }
      const answer = (await res.json().catch(() => ({}))) as { error?: string } & T;
      if (res.status === 422 && answer.error) throw new ImportFileError(answer.error);
      if (!res.ok) throw new Error(`服务返回 ${res.status}${answer.error ? `：${answer.error}` : ''}`);
      return answer;
    },
  };
}
