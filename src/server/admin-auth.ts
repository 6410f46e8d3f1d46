// Bearer-token auth for the admin API: constant-time compare, and a small per-address rate limit so the token
// cannot be guessed by brute force.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function createAdminAuth(token: string, opts: { perMinute?: number; now?: () => number } = {}) {
  const expected = digest(token);
  const perMinute = opts.perMinute ?? 60;
  const now = opts.now ?? Date.now;
  const hits = new Map<string, { windowStart: number; count: number }>();

  return async function adminAuth(req: FastifyRequest, reply: FastifyReply) {
    const key = req.ip;
    const t = now();
    const h = hits.get(key);
    if (!h || t - h.windowStart >= 60_000) hits.set(key, { windowStart: t, count: 1 });
    else if (++h.count > perMinute) return reply.code(429).header('retry-after', '60').send({ error: 'too many requests' });
    if (hits.size > 10_000) hits.clear();

    const header = req.headers.authorization ?? '';
    const given = /^Bearer\s+(.+)$/i.exec(header)?.[1] ?? '';
    // Hash both sides so the compare is constant-time regardless of the given length.
    if (!given || !timingSafeEqual(digest(given), expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
    }
  };
}
