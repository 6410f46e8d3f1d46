import { describe, expect, it } from 'vitest';
import { isPostgresJsNullSocketWrite } from '../../src/db/postgres-guard.js';

describe('postgres.js stray-write guard', () => {
  it('matches only the nextWrite null-socket TypeError from postgres.js', () => {
    const stray = new TypeError("Cannot read properties of null (reading 'write')");
    stray.stack = `${stray.message}\n    at Immediate.nextWrite (/app/node_modules/postgres/src/connection.js:255:22)\n    at process.processImmediate (node:internal/timers:483:21)`;
    expect(isPostgresJsNullSocketWrite(stray)).toBe(true);
    expect(isPostgresJsNullSocketWrite({ name: 'TypeError', message: stray.message, stack: stray.stack })).toBe(true);
    const ours = new TypeError("Cannot read properties of null (reading 'write')");
    ours.stack = `${ours.message}\n    at nextWrite (/app/src/outbox/worker.ts:10:1)`;
    expect(isPostgresJsNullSocketWrite(ours)).toBe(false);
    expect(isPostgresJsNullSocketWrite(new Error('boom'))).toBe(false);
    expect(isPostgresJsNullSocketWrite(null)).toBe(false);
  });
});
