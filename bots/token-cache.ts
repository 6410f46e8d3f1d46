// Access-token cache over a shared store (used by WeCom and DingTalk): refreshed before expiry or on demand,
// one refresh in flight per process; the store (the database) lets instances share one token.
import { AdapterError } from '../src/adapter.js';

export interface TokenStore {
  get(key: string): Promise<{ token: string; expiresAt: Date } | undefined>;
  put(key: string, token: string, expiresAt: Date): Promise<void>;
}

/** Refresh this long before WeCom's expiry, so a token never dies in flight. */
const MARGIN_MS = 5 * 60_000;

export function createTokenCache(opts: {
  key: string;
  store: TokenStore;
  fetchToken: () => Promise<{ token: string; expiresInSec: number }>;
  now?: () => number;
}) {
  const now = opts.now ?? Date.now;
  let inFlight: Promise<string> | undefined;
  let invalidated: string | undefined;
  // This process's copy of the stored token: a send needs no database read while it is valid. A token another
  // instance replaced is still found: the platform refuses ours, invalidate() drops it, and get() reads the store.
  let memo: { token: string; expiresAt: Date } | undefined;
  const valid = (t: { token: string; expiresAt: Date } | undefined): t is { token: string; expiresAt: Date } =>
    !!t && t.expiresAt.getTime() > now() && t.token !== invalidated;

  async function refresh(): Promise<string> {
    const { token, expiresInSec } = await opts.fetchToken();
    const expiresAt = new Date(now() + expiresInSec * 1000 - MARGIN_MS);
    await opts.store.put(opts.key, token, expiresAt);
    memo = { token, expiresAt };
    return token;
  }

  return {
    async get(): Promise<string> {
      if (valid(memo)) return memo.token;
      const cached = await opts.store.get(opts.key);
      if (valid(cached)) {
        memo = cached;
        return cached.token;
      }
      inFlight ??= refresh().finally(() => (inFlight = undefined));
      return inFlight;
    },
    /** Marks a token rejected by the platform (40014/42001/41001); the next get() fetches a new one. */
    invalidate(token: string) {
      invalidated = token;
    },
  };
}

/** Runs a call with the cached token; when the platform says the token expired, refreshes once and retries — never loops. */
export async function withToken<T>(tokens: TokenCache, attempt: (token: string) => Promise<T>): Promise<T> {
  const token = await tokens.get();
  try {
    return await attempt(token);
  } catch (err) {
    if (!(err instanceof AdapterError) || err.code !== 'TOKEN_EXPIRED') throw err;
    tokens.invalidate(token);
    return attempt(await tokens.get());
  }
}

export type TokenCache = ReturnType<typeof createTokenCache>;
