// The text gate at the edge: a NUL or a lone surrogate in a platform message is stored in the inbox (jsonb) and
// answered, instead of failing every retry; a NUL in one CSV cell imports the file instead of failing it.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../src/adapter.js';
import { queryRows } from '../../src/db/rows.js';
import { gateText, storableJson } from '../../src/domain/text-gate.js';
import { createInboxDispatch, drainInbox, pendingInbox } from '../../src/inbound/inbox.js';
import { findImporter, importCustomers } from '../../src/import/customers.js';
import { parseCsv } from '../../src/import/decode.js';
import { ensureDefaultTenant } from '../../src/services/tenants.js';
import { resolveUser } from '../../src/services/users.js';
import { testDriver, useTestDb } from '../helpers/db.js';

const message = (platform: 'wecom' | 'feishu' | 'dingtalk', eventKey: string, text: string): InboundEvent => ({
  type: 'message',
  platform,
  tenantKey: `gate-${platform}`,
  eventKey,
  actor: { platformUserId: `rep-${platform}`, displayName: `销售\u0000${platform}` },
  chat: { id: `rep-${platform}`, kind: 'direct' },
  receivedAt: new Date('2026-12-02T06:00:00Z'),
  text,
  mentions: [],
});

describe(`text gate at the edge (${testDriver()})`, () => {
  const t = useTestDb();
  const rows = (q: ReturnType<typeof sql>) => queryRows<Record<string, unknown>>(t().db, q);

  it('cleans text for reading and keeps ids exact but storable', () => {
    expect(gateText('华\u200B东\u00AD五\u2060金\uFE0F\u202E')).toBe('华东五金');
    expect(gateText('１３８００１３８０００ ＡＢＣ')).toBe('13800138000 ABC');
    expect(gateText('老板，价格（含税）：5万！')).toBe('老板，价格（含税）：5万！');
    expect(gateText('a\u0000b\uD800c\uDC00d\u0007e\r\nf\tg')).toBe('abcde\nf g');
    expect(gateText('😀\u3164')).toBe('😀');
    expect(storableJson({ k: ['x\u0000y', { z: '\uDBFF' }], n: 1 })).toEqual({ k: ['xy', { z: '' }], n: 1 });
  });

  for (const platform of ['wecom', 'feishu', 'dingtalk'] as const) {
    it(`${platform}: a message with NUL and a lone surrogate is recorded, answered once, and retries change nothing`, async () => {
      const dispatch = createInboxDispatch({ db: t().db, defaultTimeZone: 'Asia/Shanghai' });
      const event = message(platform, `evt-\u0000-${platform}`, `/新客户 零字节\u0000${platform}\uD83D阀门厂 13812340${platform.length}00`);
      await dispatch(event);
      await dispatch(event); // the platform retries
      expect(await pendingInbox(t().db)).toBe(1);
      expect(await drainInbox(t().db, { db: t().db, defaultTimeZone: 'Asia/Shanghai' })).toBe(1);
      const made = await rows(sql`select name from customers where name like ${'零字节%'} and name like ${`%${platform}%`}`);
      expect(made).toEqual([{ name: `零字节${platform}阀门厂` }]);
      const replies = await rows(sql`select payload->'message'->>'text' as text from outbox where platform = ${platform}`);
      expect(replies).toEqual([{ text: expect.stringContaining(`已创建客户`) }]);
      await dispatch(event);
      expect(await pendingInbox(t().db)).toBe(0);
    });
  }

  it('imports a CSV whose cells hold NUL, invisible and direction characters and full-width digits', async () => {
    const db = t().db;
    const tenant = await ensureDefaultTenant(db, { name: '测试工厂', timeZone: 'Asia/Shanghai' });
    await resolveUser(db, { tenantId: tenant.id, platform: 'console', platformUserId: '管理员', displayName: '管理员', roleIfNew: 'admin' });
    const csv = '公司名称,电话,地区\n空字节\u0000五金厂,13800990001,宁波\u200B\n隐形\u202E模具厂\u0000,１３８００９９０００２,温州\n';
    const report = await importCustomers(db, parseCsv(csv), { tenantId: tenant.id, importer: await findImporter(db, tenant.id), apply: true });
    expect(report.bad).toEqual([]);
    expect(await rows(sql`select name, region, phone_normalised from customers where tenant_id = ${tenant.id} and name in ('空字节五金厂', '隐形模具厂') order by name`)).toEqual([
      { name: '空字节五金厂', region: '宁波', phone_normalised: '13800990001' },
      { name: '隐形模具厂', region: '温州', phone_normalised: '13800990002' },
    ]);
  });
});
