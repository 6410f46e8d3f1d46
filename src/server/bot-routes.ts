// Mounts each adapter's framework-free HTTP routes on fastify, keeping the raw body bytes for signature checks.
import type { FastifyInstance } from 'fastify';
import type { ChatAdapter, Dispatch, RawRequest } from '../adapter.js';

/** Platform callbacks are small; anything bigger is refused before it is read into memory twice. */
export const BOT_BODY_LIMIT = 256 * 1024;

export async function mountAdapterRoutes(app: FastifyInstance, adapters: ChatAdapter[], dispatch: Dispatch) {
  await app.register(async (scope) => {
    // Every content type arrives as raw bytes: the adapter verifies the exact bytes the platform signed.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BOT_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    for (const adapter of adapters) {
      for (const route of adapter.httpRoutes) {
        scope.route({
          method: route.method,
          url: route.path,
          handler: async (req, reply) => {
            // A repeated parameter (`?nonce=a&nonce=b`) is ambiguous about what was signed: refuse it outright.
            const query = req.query as Record<string, string | string[] | undefined>;
            if (Object.values(query).some((v) => Array.isArray(v))) return reply.code(400).send('');
            const raw: RawRequest = {
              method: req.method,
              query: query as Record<string, string | undefined>,
              headers: req.headers as Record<string, string | undefined>,
              body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
            };
            const out = await route.handle(raw, dispatch);
            reply.code(out.status);
            if (out.headers) reply.headers(out.headers);
            return reply.send(out.body);
          },
        });
      }
    }
  });
}
