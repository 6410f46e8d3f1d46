// One platform API call over node:http(s) with keep-alive connections and a deadline on the whole exchange
// (connect, send, the full answer). Used by the WeCom and DingTalk APIs instead of fetch: on Node 20, fetch
// (undici, web streams, an AbortSignal per call) cost 400–680 µs of CPU per small JSON call against 50–130 µs
// for node:http on the same loopback server (measured in one process), and every reply the outbox delivers is
// such a call. Feishu goes through its SDK (axios, node:http already).
import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  ok: boolean;
  text: string;
}

export interface HttpInit {
  method: string;
  headers?: Record<string, string>;
  /** JSON text, or a multipart form (file uploads) encoded by the Fetch API's own encoder with its boundary. */
  body?: string | FormData;
}

/** A FormData as the bytes and content type fetch would send. */
async function encodeForm(form: FormData): Promise<{ bytes: Buffer; type: string }> {
  const r = new Response(form);
  return { bytes: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type')! };
}

// Free sockets are dropped after 4 s unused, below the 5 s idle limit of most servers (node's default), so a
// call rarely lands on a connection the server is closing.
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: 4000 }),
  'https:': new https.Agent({ keepAlive: true, timeout: 4000 }),
};

/** Resolves with the status and body text; rejects on a network error or when `timeoutMs` passes (aborted). */
export async function httpCall(url: string, init: HttpInit, timeoutMs: number): Promise<HttpAnswer> {
  const form = init.body instanceof FormData ? await encodeForm(init.body) : undefined;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
    if (!mod) return reject(new Error(`unsupported protocol ${u.protocol}`));
    const body = form ? form.bytes : typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : undefined;
    const headers: Record<string, string | number> = { ...init.headers, ...(form ? { 'content-type': form.type } : {}) };
    if (body) headers['content-length'] = body.length;
    let settled = false;
    const finish = (err: Error | undefined, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(answer!);
    };
    const req = mod.request(u, { method: init.method, headers, agent: agents[u.protocol as 'http:' | 'https:'] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        finish(undefined, { status, ok: status >= 200 && status < 300, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('aborted', () => finish(new Error('the connection closed before the answer was complete')));
      res.on('error', (err) => finish(err));
    });
    const timer = setTimeout(() => {
      const err = new Error(`The operation was aborted due to timeout (${timeoutMs} ms)`);
      err.name = 'TimeoutError';
      finish(err);
      req.destroy(err);
    }, timeoutMs);
    req.on('error', (err) => finish(err));
    req.end(body);
  });
}
