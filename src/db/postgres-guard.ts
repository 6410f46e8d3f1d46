// postgres.js 3.4.9 (the latest release) can throw from a setImmediate after a connection dies mid-write:
// `TypeError: Cannot read properties of null (reading 'write')` at nextWrite (connection.js). The query involved
// was already rejected with CONNECTION_CLOSED, so the stray throw carries no information — but, being uncaught,
// it would kill the process (porsager/postgres#1154, #1208; fixes in PRs #1168/#1176/#1209, unreleased).
// The server ignores exactly this error and nothing else; remove once a fixed postgres.js is released.

export function isPostgresJsNullSocketWrite(err: unknown): boolean {
  // Duck-typed: test runners hand over errors serialised from their workers.
  const e = err as { name?: unknown; message?: unknown; stack?: unknown } | null;
  if (!e || typeof e !== 'object' || e.name !== 'TypeError') return false;
  const stack = String(e.stack ?? '');
  return /reading 'write'/.test(String(e.message)) && /nextWrite/.test(stack) && /postgres[\\/](cjs[\\/])?src[\\/]connection\.js/.test(stack);
}

/** Keeps the default "crash on an uncaught exception" for everything but the postgres.js stray write above. */
export function installPostgresJsCrashGuard(warn: (msg: string) => void) {
  process.on('uncaughtException', (err) => {
    if (isPostgresJsNullSocketWrite(err)) {
      warn('数据库连接中断（postgres.js nextWrite），已忽略；查询会按连接错误重试。');
      return;
    }
    console.error(err);
    process.exit(1);
  });
}
