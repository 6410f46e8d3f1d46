// A known sender's tenant and user are read in one statement (src/services/users.ts findKnownSender); a new one
// is created one by one as before. Both paths give the same rows, and the one-statement path reads them fresh:
// a deactivation or a role change counts from the very next message.
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../src/adapter.js';
import { queryRows } from '../../src/db/rows.js';
import { users } from '../../src/db/schema/index.js';
import { createInboxDispatch, drainInbox } from '../../src/inbound/inbox.js';
import { resolveTenant } from '../../src/services/tenants.js';
import { findKnownSender, resolveUser } from '../../src/services/users.js';
import { testDriver, useTestDb } from '../helpers/db.js';

let seq = 0;
const message = (platform: 'wecom' | 'dingtalk', user: string, text: string): InboundEvent => ({
  type: 'message',
  platform,
  tenantKey: `ks-${platform}`,
  eventKey: `ks-${++seq}`,
  actor: { platformUserId: user },
  chat: { id: user, kind: 'direct' },
  receivedAt: new Date('2026-12-03T06:00:00Z'),
  text,
  mentions: [],
});

describe(`known senders in one statement (${testDriver()})`, () => {
  const t = useTestDb();
  const deps = () => ({ db: t().db, defaultTimeZone: 'Asia/Shanghai' });
  const run = async (e: InboundEvent) => {
    await createInboxDispatch(deps())(e);
    expect(await drainInbox(t().db, deps())).toBe(1);
    const [r] = await queryRows<{ text: string }>(t().db, sql`select payload->'message'->>'text' as text from outbox order by id desc limit 1`);
    return r!.text;
  };

  it('finds nobody new, then the same tenant and user the one-by-one path created', async () => {
    expect(await findKnownSender(t().db, 'wecom', 'ks-wecom', 'li')).toBeUndefined();
    await run(message('wecom', 'li', '/待办'));
    const known = await findKnownSender(t().db, 'wecom', 'ks-wecom', 'li');
    const tenant = await resolveTenant(t().db, 'wecom', 'ks-wecom', { name: '不用', timeZone: 'UTC' });
    const user = await resolveUser(t().db, { tenantId: tenant.id, platform: 'wecom', platformUserId: 'li' });
    expect(known).toEqual({ tenant, user });
    expect(known!.user.role).toBe('admin'); // the tenant's first person
    // The same user id on another platform is another person, and a tenant key not seen yet is nobody.
    expect(await findKnownSender(t().db, 'dingtalk', 'ks-wecom', 'li')).toBeUndefined();
    expect(await findKnownSender(t().db, 'wecom', 'ks-other', 'li')).toBeUndefined();
    await run(message('dingtalk', 'li', '/待办'));
    const other = await findKnownSender(t().db, 'dingtalk', 'ks-dingtalk', 'li');
    expect(other!.user.id).not.toBe(user.id);
  });

  it('reads the user fresh on every message: a deactivated sender is refused at once', async () => {
    await run(message('wecom', 'zhao', '/待办'));
    const { user } = (await findKnownSender(t().db, 'wecom', 'ks-wecom', 'zhao'))!;
    expect(user.active).toBe(true);
    await t().db.update(users).set({ active: false }).where(eq(users.id, user.id));
    expect(await run(message('wecom', 'zhao', '/待办'))).toBe('你的账号已停用，无法操作。如有疑问请联系管理员。');
    await t().db.update(users).set({ active: true }).where(eq(users.id, user.id));
    expect(await run(message('wecom', 'zhao', '/待办'))).not.toBe('你的账号已停用，无法操作。如有疑问请联系管理员。');
  });
});
