// The database goes away while WeCom calls back. A valid callback must then get a 5xx (so WeCom retries it later)
// and leave no half-written rows; once the database is back, the same callback — WeCom's retry — gets 200 and has
// exactly one effect.
//
// postgres: the fresh test database is made unavailable from an admin connection (`allow_connections false` plus
//   pg_terminate_backend of every session in it), both before a request and in the middle of one (the request is
//   held on a table lock after it has claimed the event, then its connection is killed).
// pglite: an embedded database cannot be made unreachable and then come back within one process — an in-memory
//   PGlite that is closed is gone. So this case uses a file-backed PGlite (a real database under a temp dir, opened
//   with the app's own openDatabase): it is closed under the running app (the callback then fails), then reopened
//   from the same directory with a new app on it, which is what a restarted process would see when WeCom retries.
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRequest } from '../../src/adapter.js';
import { queryRows } from '../../src/db/rows.js';
import { useTestDb } from '../helpers/db.js';
import { buildWecomApp, counts, delta, helpCallback, injectWire, newCustomer, sleep, toWire } from './harness.js';


describe('WeCom callback while PostgreSQL is unavailable (postgres)', () => {
  const t = useTestDb();
  let app: FastifyInstance;
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
    };
  }

  beforeAll(async () => {
    name = new URL(t().url!).pathname.slice(1);
    admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    app = await buildWecomApp(t().db);
    // The tenant and zhangsan exist already, as in production.
    expect((await post(helpCallback())).statusCode).toBe(200);
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
    const d = delta(before, await counts(t().db));
    expect(d).toMatchObject({ customers: 1, inbound_events: 1 });
    expect(d.outbox).toBeGreaterThanOrEqual(1);
    // A second retry (WeCom may retry more than once) changes nothing.
    expect((await post(req)).statusCode).toBe(200);
    expect(delta(before, await counts(t().db))).toEqual(d);
  });

  it('answers 5xx when the connection dies mid-transaction, after the event was claimed; nothing of it survives', async () => {
    const before = await counts(t().db);
    const req = newCustomer('半途断库泵业');

    // A second session holds a lock on customers, so the request stops after claiming its event key.
    const locker = postgres(t().url!, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let lockerPid = 0;
    const locked = new Promise<void>((resolveLocked, rejectLocked) => {
      locker
        .begin(async (sql) => {
          lockerPid = Number((await sql`select pg_backend_pid() as pid`)[0]!.pid);
          await sql`lock table customers in exclusive mode`;
          resolveLocked();
          await released;
        })
        .catch(rejectLocked);
    });
    await locked;

    const pending = post(req);
    // Wait until the request's transaction is blocked on the lock (it has inserted its inbound_events claim).
    for (let i = 0; ; i++) {
      const [w] = await admin`select count(*)::int as n from pg_stat_activity where datname = ${name} and wait_event_type = 'Lock'`;
      if (Number(w!.n) > 0) break;
      if (i > 400) {
        const r = await Promise.race([pending.then((x) => `${x.statusCode} ${x.body}`), sleep(10).then(() => 'pending')]);
        const act = await admin`select pid, state, wait_event_type, wait_event, left(query, 200) as q from pg_stat_activity where datname = ${name}`;
        throw new Error(`the request never blocked on the customers lock: ${r} ${JSON.stringify(act)}`);
      }
      await sleep(10);
    }

    // The blocked transaction holds its insert lock on inbound_events: the claim is written but not committed.
    const [holding] = await queryRows<{ n: number }>(
      t().db,
      sql`select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
          where c.relname = 'inbound_events' and l.mode = 'RowExclusiveLock' and l.granted
            and l.pid in (select pid from pg_stat_activity where wait_event_type = 'Lock')`,
    );
    expect(holding!.n).toBe(1);

    const restore = await takeDown([lockerPid]);
    let res;
    try {
      res = await pending;
    } finally {
      release();
      await locker.end({ timeout: 5 }).catch(() => {});
      await restore();
    }
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(500);
    expect(res.statusCode).toBeLessThan(600);
    // The claim was rolled back with everything else: the retry is not mistaken for a duplicate.
    expect(delta(before, await counts(t().db))).toEqual(Object.fromEntries(Object.keys(before).map((k) => [k, 0])));

    const retry = await post(req);
    expect(retry.statusCode).toBe(200);
    expect(delta(before, await counts(t().db))).toMatchObject({ customers: 1, inbound_events: 1 });
  });
});
