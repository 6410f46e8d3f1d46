// Log lines never carry what a user said: a failed query's values are cut from the error's message and stack.
import { describe, expect, it } from 'vitest';
import { serializeError } from '../../src/server/log-errors.js';

/** Shaped as drizzle's DrizzleQueryError: values in the message (and so the stack) and in `.params`. */
class DrizzleQueryError extends Error {
  constructor(
    public query: string,
    public params: unknown[],
    cause: Error,
  ) {
    super(`Failed query: ${query}\nparams: ${params.join(',')}`, { cause });
  }
}

describe('serializeError', () => {
  it('keeps the statement, code and stack of a failed query and its cause, and drops the values (even multi-line ones)', () => {
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "customers_phone"'), { code: '23505' });
    const err = new DrizzleQueryError('insert into "customers" ("name", "phone") values ($1, $2)', ['宁波永固阀门\n第二行备注', '13812345678'], cause);
    const out = serializeError(err);
    const text = JSON.stringify(out);
    for (const secret of ['宁波永固', '第二行备注', '13812345678']) expect(text).not.toContain(secret);
    expect(out).toMatchObject({
      type: 'DrizzleQueryError',
      message: 'Failed query: insert into "customers" ("name", "phone") values ($1, $2)\nparams: [redacted]',
      query: 'insert into "customers" ("name", "phone") values ($1, $2)',
      cause: { type: 'Error', code: '23505', message: 'duplicate key value violates unique constraint "customers_phone"' },
    });
    expect(out.params).toBeUndefined();
    expect(out.stack).toMatch(/^Error: Failed query: insert into "customers".*\nparams: \[redacted\]\n {4}at /s);
    expect(out.stack).toContain('caused by: Error: duplicate key value violates unique constraint "customers_phone"');
  });

  it('writes a thrown non-Error as text', () => {
    expect(serializeError('boom')).toEqual({ type: 'string', message: 'boom', stack: '' });
  });
});
