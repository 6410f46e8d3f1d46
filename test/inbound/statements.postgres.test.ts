// What one WeCom `/跟进` costs the database end to end on the production composition (ack insert → drainer claim
// and lock → command → reply queued → delivered → marked sent), counted from what postgres.js sends. Guards the
// round trips the performance work removed (issue #18): four drainers racing for one sender's lock, a second
// identical customer lookup, a token read per send, a transaction around a one-row update, the known-sender check.
import { describe, expect, it } from 'vitest';
import { countQueries } from '../bench/queries.js';

const count = (all: string[], prefix: string) => all.filter((s) => s.startsWith(prefix)).length;

describe('statements per /跟进, end to end (postgres)', () => {
  it('sends each command through the database in at most 20 statements, none of them wasted', async () => {
    const r = await countQueries(process.env.TEST_DATABASE_URL!, 12);
    const per = (prefix: string) => count(r.statements, prefix) / r.commands;
    expect(per('insert into inbound_events (platform, event_key')).toBe(1); // the ack
    expect(per('insert into "follow_ups"')).toBe(1);
    expect(per('insert into "audit_log"')).toBe(1);
    expect(per('insert into "outbox"')).toBe(1);
    // One drainer runs each message: one lock attempt, one claim, one transaction.
    expect(per('select pg_try_advisory_xact_lock')).toBe(1);
    expect(per("update inbound_events set status = 'done'")).toBe(1);
    expect(per('begin')).toBe(1);
    expect(per('commit')).toBe(1);
    // The customer is looked up once (it used to be looked up twice by name).
    expect(per('select "id", "tenant_id", "short_no", "name", "normalised_name"')).toBe(1);
    // A known sender is not checked again, and a send does not read the token from the database.
    expect(per('select 1 from user_identities')).toBe(0);
    expect(per('select "key", "token"')).toBe(0);
    // A known sender's tenant and user come in one statement (src/services/users.ts findKnownSender).
    expect(per('select "tenants"."id"')).toBe(1);
    expect(r.statements.filter((s) => s.startsWith('select "tenants"."id"')).every((s) => s.includes('"users"."id"'))).toBe(true);
    expect(per('select "users"."id"')).toBe(0);
    // Marked sent in one statement.
    expect(per('update "outbox" set "status"')).toBe(1);
    expect(r.perCommand).toBeLessThanOrEqual(20);
  });
});
