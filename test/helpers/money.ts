// Shared set-up for the payment and target suites: a tenant with an admin, a manager, a rep reporting to them,
// finance, and a won deal (the tenant lets a deal be won without an approved quote, so no approval round is needed).
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema/index.js';
import { updateSettings } from '../../src/services/settings.js';
import { toActor } from '../../src/services/users.js';
import type { Chat } from './chat.js';
import type { TestDb } from './db.js';

export async function moneyTeam(t: TestDb, chat: Chat, p: string, now: Date) {
  const people = { admin: `${p}管理员`, manager: `${p}经理`, rep: `${p}销售`, finance: `${p}财务`, other: `${p}同事` };
  await chat.say(people.admin, '/帮助', { role: 'admin' });
  await chat.say(people.manager, '/帮助', { role: 'manager' });
  await chat.say(people.rep, '/帮助');
  await chat.say(people.other, '/帮助');
  await chat.say(people.finance, '/帮助', { role: 'finance' });
  await chat.say(people.admin, `/设置 上级 ${people.rep} ${people.manager}`);
  const [admin] = await t.db.select().from(users).where(eq(users.name, people.admin));
  await updateSettings({ db: t.db, actor: toActor(admin!), now, timeZone: 'Asia/Shanghai' }, {
    pipeline: { exitCriteria: { enterWon: { requireApprovedQuote: false } } },
  });
  return people;
}

/** A deal of `rep` on a new customer; won when `win` (the default). Returns its D- id. */
export async function dealOf(chat: Chat, rep: string, customer: string, title: string, amount: string, win = true): Promise<string> {
  await chat.say(rep, `/新客户 ${customer} 1${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`);
  const id = /D-\d+/.exec((await chat.say(rep, `/新商机 ${customer} ${title} ${amount}`)).text)![0];
  if (win) {
    await chat.say(rep, `/跟进 ${id} 拜访 下一步:出方案`);
    const won = await chat.say(rep, `/推进 ${id} 签约`);
    if (won.text.includes('不能')) throw new Error(won.text);
  }
  return id;
}
