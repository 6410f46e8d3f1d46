// The part every platform's OAuth2 login page shares in the fakes: back to `redirect_uri` with a fresh single-use
// code (issued by the caller, who records whom it is for) and the caller's `state`, or a refusal page — a bad
// redirect_uri (400), nobody signed in to the platform (403).
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';

export function backWithCode(
  reply: FastifyReply,
  q: Record<string, string>,
  o: { signedIn: boolean; notSignedIn: string; codeParam?: string; issue: (code: string) => void },
) {
  let back: URL;
  try {
    back = new URL(q.redirect_uri ?? '');
  } catch {
    return reply.code(400).type('text/html').send('redirect_uri 参数错误');
  }
  if (!o.signedIn) return reply.code(403).type('text/html').send(o.notSignedIn);
  const code = randomBytes(16).toString('hex');
  o.issue(code);
  back.searchParams.set(o.codeParam ?? 'code', code);
  if (q.state !== undefined) back.searchParams.set('state', q.state);
  return reply.redirect(back.toString(), 302);
}
