// One error handler: known client errors keep their status with a short body; anything else is a generic 500.
import type { FastifyError, FastifyInstance } from 'fastify';

export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: err.code, status }, 'request refused');
    return reply.code(status).send(status >= 500 ? { error: 'internal error', requestId: req.id } : { error: err.code ?? 'bad request' });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not found' }));
}
