import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { at, queryRows } from '../../src/db/rows.js';
import { TIMESTAMP_WINDOW_MS } from '../../bots/dingtalk/verify.js';
import { DINGTALK_SIGN_RETENTION_MS, runHousekeeping } from '../../src/scheduler/housekeeping.js';
import { testDriver, useTestDb } from '../helpers/db.js';

describe(`daily housekeeping (${testDriver()})`, () => {
  const t = useTestDb();
  it('drops old processed events, old sent messages and stale claims, once a day, and keeps everything recent or pending', async () => {
    const db = t().db;
    const now = new Date('2026-11-25T03:00:00Z');
    const old = new Date('2026-10-01T00:00:00Z');
    const recent = new Date('2026-11-20T00:00:00Z');
    await db.execute(sql`insert into inbound_events (platform, event_key, status, created_at) values
      ('wecom', 'old-done', 'done', ${at(old)}), ('wecom', 'old-pending', 'pending', ${at(old)}), ('wecom', 'recent', 'done', ${at(recent)})`);
    await db.execute(sql`insert into outbox (platform, target, payload, status, sent_at, next_attempt_at) values
      ('console', '{}'::jsonb, '{}'::jsonb, 'sent', ${at(old)}, ${at(old)}),
      ('console', '{}'::jsonb, '{}'::jsonb, 'dead', null, ${at(old)}),
      ('console', '{}'::jsonb, '{}'::jsonb, 'sent', ${at(recent)}, ${at(recent)})`);
    await db.execute(sql`insert into scheduler_runs (job, slot, claimed_by) values
      ('rules', '2026-11-20T08:01', 'x'), ('rules', '2026-11-24T08:01', 'x'), ('digest:t1', '2026-06-01', 'x'), ('digest:t1', '2026-11-24', 'x')`);

    const ms = (d: Date) => String(d.getTime());
    await db.execute(sql`insert into dingtalk_signatures (sign, timestamp, msg_id) values
      ('old-sign', ${ms(new Date(now.getTime() - DINGTALK_SIGN_RETENTION_MS - 1000))}, 'm-old'),
      ('fresh-sign', ${ms(new Date(now.getTime() - TIMESTAMP_WINDOW_MS))}, 'm-fresh')`);

    expect(await runHousekeeping(db, now, 'i1')).toEqual({ events: 1, outbox: 1, claims: 2, signatures: 1, importFiles: 0 });
    // A pair still inside the accepted window keeps its row, so its replay with another body stays refused.
    expect(await queryRows(db, sql`select sign from dingtalk_signatures`)).toEqual([{ sign: 'fresh-sign' }]);
    expect(DINGTALK_SIGN_RETENTION_MS).toBeGreaterThan(TIMESTAMP_WINDOW_MS);
    expect(await runHousekeeping(db, now, 'i2')).toBeUndefined(); // claimed once per day
    const keys = await queryRows<{ event_key: string }>(db, sql`select event_key from inbound_events order by event_key`);
    expect(keys.map((k) => k.event_key)).toEqual(['old-pending', 'recent']);
    expect(await queryRows(db, sql`select status from outbox order by id`)).toEqual([{ status: 'dead' }, { status: 'sent' }]);
    const slots = await queryRows<{ slot: string }>(db, sql`select slot from scheduler_runs order by slot`);
    expect(slots.map((s) => s.slot)).toEqual(['2026-11-24', '2026-11-24T08:01', '2026-11-25']);
  });

  it('drops dashboard sign-in rows a day past their expiry or use, and keeps live sessions', async () => {
    const db = t().db;
    const now = new Date('2026-11-27T03:00:00Z');
    const [tenant] = await queryRows<{ id: string }>(db, sql`insert into tenants (name, time_zone) values ('看板厂', 'Asia/Shanghai') returning id`);
    const [user] = await queryRows<{ id: string }>(db, sql`insert into users (tenant_id, name, role) values (${tenant!.id}, '看板用户', 'rep') returning id`);
    const row = (hash: string, kind: string, expires: string, used: string | null) =>
      sql`(${tenant!.id}, ${user!.id}, ${kind}, ${hash}, ${expires}::timestamptz, ${used}::timestamptz)`;
    await db.execute(sql`insert into web_sessions (tenant_id, user_id, kind, token_hash, expires_at, used_at) values
      ${row('expired-link', 'link', '2026-11-25T00:00:00Z', null)}, ${row('used-link', 'link', '2026-11-25T01:00:00Z', '2026-11-25T00:55:00Z')},
      ${row('live-session', 'session', '2026-11-27T10:00:00Z', null)}, ${row('just-used', 'link', '2026-11-27T03:05:00Z', '2026-11-27T02:56:00Z')}`);
    await runHousekeeping(db, now, 'i3');
    const left = await queryRows<{ token_hash: string }>(db, sql`select token_hash from web_sessions order by token_hash`);
    expect(left.map((r) => r.token_hash)).toEqual(['just-used', 'live-session']);
  });
});
