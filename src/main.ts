// The production entry: parse configuration, build the app (src/compose.ts), listen, and shut down cleanly on
// SIGINT/SIGTERM. `npm start` runs this file with node itself (no wrapper process), so signals reach it.
import './config/v8-flags.js'; // first: V8 heap settings before any other module runs
import { ConfigError, loadEnv } from './config/env.js';
import { DataDirLockedError } from './db/lock.js';
import { composeApp, type ComposedApp } from './compose.js';
import { describeTransports, transportStatuses } from './server/transports.js';

async function main() {
  let app: ComposedApp | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app?.log.info({ signal }, '正在停止：处理中的消息和发送完成后退出 (shutting down)');
    let code = 0;
    try {
      await app?.close();
      app?.log.info({ signal }, '已停止 (stopped)');
    } catch (err) {
      code = 1;
      console.error(`停止时出错：${(err as Error).message}`);
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  app = await composeApp(loadEnv());
  const { env, database, adapters, server } = app;
  await server.listen({ port: env.PORT, host: env.HOST });
  // Every way in with its mode and state (long connections are still connecting here; /readyz shows them later).
  const transports = transportStatuses(adapters);
  server.log.info(
    { database: database.describe, platforms: adapters.map((a) => a.platform), transports, lanes: app.background.lanes },
    `ChatCRM 已启动：数据库 ${database.describe}；接入方式 ${describeTransports(transports)}`,
  );
  console.log(`ChatCRM 已启动 → http://${env.HOST}:${env.PORT}  数据库：${database.describe}  接入：${describeTransports(transports)}`);
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DataDirLockedError) console.error(err.message);
  else console.error(`启动失败：${(err as Error).message}`);
  process.exit(1);
});
