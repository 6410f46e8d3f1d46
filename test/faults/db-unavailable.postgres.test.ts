// The database goes away while WeCom calls back. A valid callback must then get a 5xx (so WeCom retries it later)
// and leave no half-written rows; once the database is back, the same callback — WeCom's retry — gets 200 and has
// exactly one effect.
//
// postgres: the fresh test database is made unavailable from an admin connection (`allow_connections false` plus
//   pg_terminate_backend of every session in it), both before a request and in the middle of processing one (the
//   inbox drainer is held on a table lock after it has claimed the acknowledged message, then its connection is
//   killed: the claim rolls back with everything else and the message runs once when the database is back).
// pglite: an embedded database cannot be made unreachable and then come back within one process — an in-memory
//   PGlite that is closed is gone. So this case uses a file-backed PGlite (a real database under a temp dir, opened
//   with the app's own openDatabase): it is closed under the running app (the callback then fails), then reopened
//   from the same directory with a new app on it, which is what a restarted process would see when WeCom retries.
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRequest } from '../../src/adapter.js';
import { queryRows } from '../../src/db/rows.js';
import { useTestDb } from '../helpers/db.js';
import { counts, delta, helpCallback, injectWire, newCustomer, sleep, startFaultApp, toWire, type FaultApp } from './harness.js';


describe('WeCom callback while PostgreSQL is unavailable (postgres)', () => {
  const t = useTestDb();
  let app: FaultApp;
  let admin: postgres.Sql;
  let name = '';
  const post = (req: RawRequest) => injectWire(app, toWire(req));

  /** Blocks new sessions and keeps killing existing ones (except `spare`) until the returned function is called. */
  async function takeDown(spare: number[] = []) {
    await admin.unsafe(`alter database ${name} allow_connections false`);
    const kill = () =>
      admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid() and not (pid = any(${spare}::int[]))`;
    await kill();
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        await kill().catch(() => {});
        await sleep(25);
      }
    })();
    return async () => {
      stop = true;
      await loop;
      await admin.unsafe(`alter database ${name} allow_connections true`);
      await healthy();
    };
  }

  /**
   * The test's own pool shares the app's (one database object): each connection the kill loop ended fails once
   * (ECONNRESET / terminated) and is then replaced. Run until several queries in a row succeed, so the test's
   * counts below measure the app, not a dead socket.
   */
  async function healthy() {
    for (let ok = 0, i = 0; ok < 8 && i < 200; i++) {
      try {
        await queryRows(t().db, sql`select 1`);
        ok++;
      } catch {
        ok = 0;
        await sleep(25);
      }
    }
  }

  beforeAll(async () => {
    name = new URL(t().url!).pathname.slice(1);
    admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    app = await startFaultApp(t(), { wecom: true });
    // The tenant and zhangsan exist already, as in production.
    expect((await post(helpCallback())).statusCode).toBe(200);
    await app.settle();
  });
  afterAll(async () => {
    await admin?.unsafe(`alter database ${name} allow_connections true`).catch(() => {});
    await app?.close();
    await admin?.end();
  });

  it('answers 5xx while the database refuses connections, then 200 with one effect on the retry', async () => {
    const before = await counts(t().db);
    const req = newCustomer('断库重试阀门厂');
    const restore = await takeDown();
    let down;
    let ready;
    try {
      down = await post(req);
      ready = await app.inject({ method: 'GET', url: '/readyz' });
    } finally {
      await restore();
    }
    expect(down.statusCode).toBeGreaterThanOrEqual(500);
    expect(down.statusCode).toBeLessThan(600);
    expect(ready.statusCode).toBe(503);
    expect(delta(before, await counts(t().db))).toEqual(Object.fromEntries(Object.keys(before).map((k) => [k, 0])));

    const retry = await post(req);
    expect(retry.statusCode).toBe(200);
    await app.settle(30_000); // acknowledged when recorded, processed right after
    const d = delta(before, await counts(t().db));
    expect(d).toMatchObject({ customers: 1, inbound_events: 1 });
    expect(d.outbox).toBeGreaterThanOrEqual(1);
    // A second retry (WeCom may retry more than once) changes nothing.
    expect((await post(req)).statusCode).toBe(200);
    await app.settle();
    expect(delta(before, await counts(t().db))).toEqual(d);
  }, 90_000);

  it('when the connection dies mid-processing, after the message was claimed, nothing of it survives and it runs once when the database is back', async () => {
    const before = await counts(t().db);
    const req = newCustomer('半途断库泵业');

    // A second session holds a lock on customers, so the drainer stops after claiming the message.
    const locker = postgres(t().url!, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let lockerPid = 0;
    let inLock!: postgres.TransactionSql;
    const locked = new Promise<void>((resolveLocked, rejectLocked) => {
      locker
        .begin(async (sql) => {
          lockerPid = Number((await sql`select pg_backend_pid() as pid`)[0]!.pid);
          await sql`lock table customers in exclusive mode`;
          inLock = sql;
          resolveLocked();
          await released;
        })
        .catch(rejectLocked);
    });
    await locked;

    // The callback is acknowledged once recorded; the drainer then blocks on the lock.
    const ack = await post(req);
    expect(ack.statusCode).toBe(200);
    for (let i = 0; ; i++) {
      const [w] = await admin`select count(*)::int as n from pg_stat_activity where datname = ${name} and wait_event_type = 'Lock'`;
      if (Number(w!.n) > 0) break;
      if (i > 400) {
        const act = await admin`select pid, state, wait_event_type, wait_event, left(query, 200) as q from pg_stat_activity where datname = ${name}`;
        throw new Error(`the drainer never blocked on the customers lock: ${JSON.stringify(act)}`);
      }
      await sleep(10);
    }

    // The blocked transaction holds its row lock on inbound_events: the claim is written but not committed.
    const [holding] = await queryRows<{ n: number }>(
      t().db,
      sql`select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
          where c.relname = 'inbound_events' and l.mode = 'RowExclusiveLock' and l.granted
            and l.pid in (select pid from pg_stat_activity where wait_event_type = 'Lock')`,
    );
    expect(holding!.n).toBe(1);

    const restore = await takeDown([lockerPid]);
    let seen: { customers: number; status: string } | undefined;
    try {
      // Every session but the locker's is gone: what survived of the drainer's transaction, seen from inside the lock.
      for (let i = 0; ; i++) {
        const [w] = await admin`select count(*)::int as n from pg_stat_activity where datname = ${name} and pid <> ${lockerPid}`;
        if (Number(w!.n) === 0) break;
        if (i > 400) throw new Error('the drainer\'s session was not terminated');
        await sleep(10);
      }
      const [c] = await inLock`select count(*)::int as n from customers`;
      const [e] = await inLock`select status from inbound_events order by id desc limit 1`;
      seen = { customers: Number(c!.n), status: String(e!.status) };
    } finally {
      release();
      await locker.end({ timeout: 5 }).catch(() => {});
      await restore();
    }
    // The claim was rolled back with everything else: the message still waits, and nothing of it was written.
    expect(seen).toEqual({ customers: before.customers, status: 'pending' });

    await app.settle(60_000); // the drainer retries once the database is back
    const d = delta(before, await counts(t().db));
    expect(d).toMatchObject({ customers: 1, inbound_events: 1 });
    // WeCom's retry of the acknowledged callback changes nothing.
    expect((await post(req)).statusCode).toBe(200);
    await app.settle();
    expect(delta(before, await counts(t().db))).toEqual(d);
  }, 120_000);
});
