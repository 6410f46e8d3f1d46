// How an error is written to the log: type, message, code, stack and cause, without the values of a failed query.
// drizzle's DrizzleQueryError puts `params: …` (the customer's name, phone, the message text) into its message and
// stack and keeps them in `.params`; a log line must never carry what a user said (issue #18: "never message secrets").

const PARAMS_IN_TEXT = /\nparams: [\s\S]*?(?=\n {4}at |$)/g;

const scrub = (s: unknown) => (typeof s === 'string' ? s.replace(PARAMS_IN_TEXT, '\nparams: [redacted]') : undefined);

export interface LoggedError {
  [key: string]: unknown;
  type: string;
  message: string;
  stack: string;
  code?: string;
  /** The failed statement with its $n placeholders (no values). */
  query?: string;
  cause?: LoggedError;
}

export function serializeError(err: unknown, depth = 0): LoggedError {
  if (!(err instanceof Error)) return { type: typeof err, message: scrub(String(err)) ?? '', stack: '' };
  const e = err as Error & { code?: unknown; query?: unknown; cause?: unknown };
  const cause = e.cause !== undefined && depth < 5 ? serializeError(e.cause, depth + 1) : undefined;
  return {
    type: e.constructor?.name ?? 'Error',
    message: scrub(e.message) ?? '',
    // With the causes' stacks, as pino's own serializer writes them: the driver's error is the one that says why.
    stack: (scrub(e.stack) ?? '') + (cause ? `\ncaused by: ${cause.stack || cause.message}` : ''),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.query === 'string' ? { query: e.query } : {}),
    ...(cause ? { cause } : {}),
  };
}
