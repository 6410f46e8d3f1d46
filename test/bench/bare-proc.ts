// The ceiling: a bare fastify route in its own process (same body parsing as a callback, no work), for the
// outside benchmark. Sends `{ url }` to its parent once listening; exits when the parent disconnects.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, b, done) => done(null, b));
app.post('/bare', async () => '');
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.on('disconnect', () => void app.close().finally(() => process.exit(0)));
process.send!({ url });
