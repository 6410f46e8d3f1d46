// The platform API client (bots/http-call.ts) against a real HTTP server on 127.0.0.1: the answer's status and
// body, one kept-alive connection for consecutive calls, and a hung server aborted at the deadline.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCall } from '../../bots/http-call.js';

let server: Server;
let base = '';
const seen: Array<{ method: string; url: string; body: string; type: string | undefined; port: number }> = [];
let hung: Array<() => void> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body, type: req.headers['content-type'], port: req.socket.remotePort! });
      if (req.url === '/hang') return void hung.push(() => res.destroy());
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ errcode: 0, echo: body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  hung.forEach((h) => h());
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('platform API calls over node:http', () => {
  it('sends the method, headers and UTF-8 body, and returns status and text; consecutive calls share a connection', async () => {
    const a = await httpCall(`${base}/send?access_token=t`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"已寄样"}' }, 5000);
    expect(a).toEqual({ status: 200, ok: true, text: JSON.stringify({ errcode: 0, echo: '{"text":"已寄样"}' }) });
    const b = await httpCall(`${base}/missing`, { method: 'GET' }, 5000);
    expect(b.status).toBe(404);
    expect(b.ok).toBe(false);
    expect(seen.slice(-2).map((s) => [s.method, s.url, s.type])).toEqual([
      ['POST', '/send?access_token=t', 'application/json'],
      ['GET', '/missing', undefined],
    ]);
    expect(seen.at(-1)!.port).toBe(seen.at(-2)!.port); // the same kept-alive socket
  });

  it('aborts a call the server never answers at its deadline', async () => {
    const t0 = performance.now();
    await expect(httpCall(`${base}/hang`, { method: 'POST', body: '{}' }, 300)).rejects.toMatchObject({ name: 'TimeoutError', message: expect.stringMatching(/aborted due to timeout/) });
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3000);
  });

  it('refuses a protocol other than http and https', async () => {
    await expect(httpCall('ftp://127.0.0.1/x', { method: 'GET' }, 1000)).rejects.toThrow('unsupported protocol ftp:');
  });
});
