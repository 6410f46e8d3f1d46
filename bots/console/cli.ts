// `npm run chat -- --as 张三 [--role manager] [--group 华东群]`: talk to ChatCRM from a terminal, on the same database and code
// path as the platforms. Works directly on the database, or through a running server when it holds PGlite.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { CardButton } from '../../cards/model.js';
import { ConfigError, loadEnv, parseCoreEnv } from '../../src/config/env.js';
import { knownEnvNames } from '../../src/config/known-names.js';
import { DataDirLockedError } from '../../src/db/lock.js';
import { takeMailbox, type MailboxEntry } from './mailbox.js';
import { printEntries, toastToPrint } from './print.js';
import { openTransport, type Transport } from './transport.js';
import type { ConsoleRequest } from './adapter.js';
import { ROLES } from '../../src/domain/roles.js';


/** Whether a ChatCRM server answers its health check on the configured address (half a second at most). */
async function serverAnswers(host: string, port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/healthz`, { signal: AbortSignal.timeout(500) });
    return res.ok;
  } catch {
    return false;
  }
}

async function main() {
  const { values } = parseArgs({
    options: { as: { type: 'string' }, role: { type: 'string' }, group: { type: 'string' } },
    allowPositionals: true,
  });
  const user = values.as?.trim();
  if (!user) {
    console.error('用法：npm run chat -- --as <你的名字> [--role rep|manager|director|finance|tech|admin] [--group <群名>]');
    process.exit(2);
  }
  const role = values.role as ConsoleRequest['role'];
  const group = values.group?.trim() || undefined;
  if (group && group.length > 64) {
    console.error('--group 群名最多 64 个字。');
    process.exit(2);
  }
  if (role && !ROLES.includes(role)) {
    console.error(`--role 只能是：${ROLES.join(' / ')}`);
    process.exit(2);
  }
  const raw = loadEnv();
  const env = parseCoreEnv(raw, knownEnvNames());
  const mailboxDir = join(env.DATA_DIR, 'console');
  const transport: Transport = await openTransport(env, raw);
  // Say which database this is: a console on another DATA_DIR than the server's silently used an empty one.
  console.log(`🗄 数据库：${transport.describe}`);
  if (!transport.describe.startsWith('通过运行中的服务') && (await serverAnswers(env.HOST, env.PORT))) {
    console.log(
      `⚠️ ${env.HOST}:${env.PORT} 上有一个 ChatCRM 服务在运行，但它没有占用这个数据库——它多半用的是另一个 DATA_DIR 或 DATABASE_URL。` +
        '这里的记录与它互不相通；请用与服务相同的 DATA_DIR / DATABASE_URL 重新运行 npm run chat。',
    );
  }
  if (role) console.log(`ℹ️ --role ${role} 只对第一次出现的「${user}」生效；已有用户的角色不变（要改已有用户的角色，请用管理 API：PATCH /admin/api/users/:id {"role":"…"}）。`);
  const interactive = process.stdin.isTTY === true;
  let buttons: Array<{ button: CardButton; cardRef: string }> = [];

  // In a group (--group) the user sees both what reaches them personally and what the group receives.
  const take = () => takeMailbox(mailboxDir, user).map((e) => ({ e })).concat(group ? takeMailbox(mailboxDir, group).map((e) => ({ e, group })) : []);
  const show = (entries: Array<{ e: MailboxEntry; group?: string }>) => {
    const mine = entries.filter((x) => !x.group).map((x) => x.e);
    const theirs = entries.filter((x) => x.group).map((x) => x.e);
    const personal = printEntries(mine, group ? { from: '私聊' } : {});
    const shown = [...personal, ...(group ? printEntries(theirs, { from: group, startAt: personal.length + 1 }) : [])];
    if (shown.length > 0) buttons = shown;
  };
  const waiting = await transport.settle(take);
  if (waiting.length > 0) {
    console.log(`📬 你有 ${waiting.length} 条新消息：`);
    show(waiting);
  }
  if (interactive) console.log(`你好 ${user}！输入 /帮助 查看命令，卡片按钮输入序号点击，Ctrl+D 退出。（${transport.describe}）`);

  const rl = createInterface({ input: process.stdin, terminal: interactive });
  const prompt = () => interactive && process.stdout.write(`${group ? `${user}@${group}` : user}> `);
  prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (line) {
      const n = /^\d+$/.test(line) ? Number(line) : 0;
      const pressed = n > 0 ? buttons[n - 1] : undefined;
      const request: ConsoleRequest = pressed
        ? { user, eventKey: randomUUID(), action: { name: pressed.button.action, data: pressed.button.data, cardRef: pressed.cardRef }, ...(role ? { role } : {}), ...(group ? { group } : {}) }
        : { user, eventKey: randomUUID(), text: line, ...(role ? { role } : {}), ...(group ? { group } : {}) };
      if (!interactive) console.log(`${group ? `${user}@${group}` : user}> ${line}`);
      const outcome = await transport.send(request);
      const arrived = await transport.settle(take);
      const toast = pressed ? toastToPrint(outcome.toast, arrived.map((x) => x.e)) : undefined;
      if (toast) console.log(`💬 ${toast}`);
      show(arrived);
    }
    prompt();
  }
  await transport.close();
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DataDirLockedError) console.error(err.message);
  else console.error(`出错了：${(err as Error).message}`);
  process.exit(1);
});
