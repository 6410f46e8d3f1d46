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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRequest } from '../../src/adapter.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { counts, delta, helpCallback, injectWire, newCustomer, startFaultApp, toWire, type FaultApp } from './harness.js';


describe('WeCom callback while PGlite is closed (pglite, file-backed)', () => {
  let dir = '';
  let database: Database;
  let app: FaultApp;
  const post = (req: RawRequest) => injectWire(app, toWire(req));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chatcrm-fault-'));
    database = await openDatabase({ dataDir: dir });
    app = await startFaultApp({ db: database.db, database }, { wecom: true }); // migrates, as `npm start` does
    expect((await post(helpCallback())).statusCode).toBe(200);
    await app.settle();
  }, 120_000); // migrating a file-backed PGlite is slow on a loaded machine
  afterAll(async () => {
    await app?.close();
    await database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers 5xx while the database is closed; after reopening, the retry gets 200 and one effect', async () => {
    const before = await counts(database.db);
    const req = newCustomer('关库重试阀门厂');

    await database.close();
    const down = await post(req);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBeGreaterThanOrEqual(500);
    expect(down.statusCode).toBeLessThan(600);
    expect(ready.statusCode).toBe(503);
    await app.close();

    // "The database is back": the same directory opened again, with the app restarted on it.
    database = await openDatabase({ dataDir: dir });
    app = await startFaultApp({ db: database.db, database }, { wecom: true });
    expect(delta(before, await counts(database.db))).toEqual(Object.fromEntries(Object.keys(before).map((k) => [k, 0])));

    const retry = await post(req);
    expect(retry.statusCode).toBe(200);
    await app.settle(); // acknowledged when recorded, processed right after
    const d = delta(before, await counts(database.db));
    expect(d).toMatchObject({ customers: 1, inbound_events: 1 });
    expect((await post(req)).statusCode).toBe(200);
    await app.settle();
    expect(delta(before, await counts(database.db))).toEqual(d);
  });
});
