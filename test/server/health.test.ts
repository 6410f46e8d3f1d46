import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { createTestDb, testDriver } from '../helpers/db.js';

describe(`health and readiness (${testDriver()})`, () => {
  it('answers /healthz, and /readyz while the database answers, 503 once it is gone', async () => {
    const t = await createTestDb();
    const app = await buildApp({ db: t.db, adapters: [], dispatch: async () => ({}), logLevel: 'silent' });
    try {
      expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
      const ready = await app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', transports: [] });
      expect((await app.inject({ url: '/nope' })).statusCode).toBe(404);
      await t.close();
      const gone = await app.inject({ url: '/readyz' });
      expect(gone.statusCode).toBe(503);
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
