// How a failed platform call is classified: one table per platform (bots/<platform>/errors.ts), first matching row
// wins. `retry` = try again later (with backoff or the row's wait), `refresh` = the access token was rejected (drop
// it, fetch a new one, retry), `dead` = a retry cannot help (bad credentials, bad request, recipient gone).
import { AdapterError, type AdapterErrorCode, type Platform } from '../src/adapter.js';

export type ErrorAction = 'retry' | 'refresh' | 'dead';

/** What a platform call failed with: an HTTP status (0 = no response: timeout, reset, DNS) and the body's code. */
export interface Failure {
  status: number;
  code?: string | number | undefined;
}

export interface ErrorRule {
  /** What the row means, for readers and test names. */
  when: string;
  matches(f: Failure): boolean;
  action: ErrorAction;
  /** The AdapterError code the row produces. */
  as: AdapterErrorCode;
  /** How long the outbox waits before the retry (default: its exponential backoff). */
  retryAfterMs?: number;
  /** Failures this row must classify (tests run every example through the whole table). */
  examples: Failure[];
}

export function classify(table: readonly ErrorRule[], f: Failure): ErrorRule {
  const rule = table.find((r) => r.matches(f));
  if (!rule) throw new Error('error table has no catch-all row');
  return rule;
}

export function adapterError(platform: Platform, table: readonly ErrorRule[], f: Failure, text: string, cause?: unknown): AdapterError {
  const rule = classify(table, f);
  return new AdapterError(platform, rule.as, text.slice(0, 300), rule.action !== 'dead', rule.retryAfterMs, cause === undefined ? undefined : { cause });
}
