// A fake Feishu long-connection gateway on 127.0.0.1 (docs "使用长连接接收事件"; frame schema from the SDK's
// ws-client/proto-buf): POST /callback/ws/endpoint hands out a ws:// URL after checking AppID/AppSecret; the
// WebSocket carries protobuf pbbp2.Frames. push() sends an event as a data frame and resolves with the client's
// answer frame payload ({code, data: base64(JSON)}). Pings are answered with a pong carrying the client config;
// for the watchdog tests it can mute the current socket (open, answering nothing), drop it, or refuse the next
// endpoint requests, and hands out `pingIntervalSec` as PingInterval.
import { createServer } from 'node:http';
import protobuf from 'protobufjs';
import { WebSocketServer, type WebSocket } from 'ws';

const root = protobuf.Root.fromJSON({
  nested: {
    pbbp2: {
      nested: {
        Header: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Frame: {
          fields: {
            SeqID: { type: 'uint64', id: 1 },
            LogID: { type: 'uint64', id: 2 },
            service: { type: 'int32', id: 3 },
            method: { type: 'int32', id: 4 },
            headers: { rule: 'repeated', type: 'Header', id: 5 },
            payloadEncoding: { type: 'string', id: 6 },
            payloadType: { type: 'string', id: 7 },
            payload: { type: 'bytes', id: 8 },
            LogIDNew: { type: 'string', id: 9 },
          },
        },
      },
    },
  },
});
const Frame = root.lookupType('pbbp2.Frame');

interface DecodedFrame {
  method: number;
  headers: Array<{ key: string; value: string }>;
  payload?: Uint8Array;
}

export async function startFakeFeishuWs(opts: { appId: string; appSecret: string; pingIntervalSec?: number }) {
  const wss = new WebSocketServer({ noServer: true });
  let socket: WebSocket | undefined;
  const muted = new Set<WebSocket>();
  let refuse = 0;
  let refused = 0;
  let connections = 0;
  const clientConfig = { PingInterval: opts.pingIntervalSec ?? 120, ReconnectCount: -1, ReconnectInterval: 1, ReconnectNonce: 1 };
  let pinged!: () => void;
  const ready = new Promise<void>((r) => (pinged = r));
  const waiting = new Map<string, (payload: unknown) => void>();
  let endpointCalls = 0;

  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/callback/ws/endpoint') return void res.writeHead(404).end();
      endpointCalls++;
      if (refuse > 0) {
        refuse--;
        refused++;
        return void res.writeHead(503).end('busy');
      }
      const b = JSON.parse(body || '{}') as { AppID?: string; AppSecret?: string };
      res.setHeader('content-type', 'application/json');
      if (b.AppID !== opts.appId || b.AppSecret !== opts.appSecret) return void res.end(JSON.stringify({ code: 1000040343, msg: 'app secret invalid' }));
      const { port } = http.address() as { port: number };
      res.end(JSON.stringify({
        code: 0,
        data: { URL: `ws://127.0.0.1:${port}/ws?device_id=dev1&service_id=7`, ClientConfig: clientConfig },
      }));
    });
  });
  http.on('upgrade', (req, sock, head) => {
    (wss as any).handleUpgrade(req, sock, head, (ws: WebSocket) => {
      socket = ws;
      connections++;
      ws.on('message', (data: Buffer) => {
        if (muted.has(ws)) return;
        const f = Frame.toObject(Frame.decode(data), { longs: Number, bytes: Buffer as never }) as DecodedFrame;
        const type = f.headers.find((h) => h.key === 'type')?.value;
        // The client attaches its handler after `open`; its first ping says it is listening.
        if (f.method === 0 && type === 'ping') {
          ws.send(Frame.encode(Frame.create({ SeqID: 0, LogID: 0, service: 7, method: 0, headers: [{ key: 'type', value: 'pong' }], payload: Buffer.from(JSON.stringify(clientConfig)) })).finish());
          return setTimeout(pinged, 20);
        }
        const id = f.headers.find((h) => h.key === 'message_id')?.value ?? '';
        const resolve = waiting.get(id);
        if (f.method === 1 && resolve) {
          waiting.delete(id);
          resolve(JSON.parse(Buffer.from(f.payload ?? []).toString('utf8')));
        }
      });
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as { port: number };
  let seq = 0;

  return {
    domain: `http://127.0.0.1:${port}`,
    endpointCalls: () => endpointCalls,
    connections: () => connections,
    refused: () => refused,
    /** The current socket stays open and answers nothing (no pongs): half-open. */
    muteCurrent() {
      if (socket) muted.add(socket);
    },
    drop() {
      socket?.terminate();
    },
    refuseNext(n: number) {
      refuse += n;
    },
    ready,
    /** Sends one event as a data frame; resolves with the client's answer ({code, data?}). */
    async push(event: unknown): Promise<{ code: number; data?: string }> {
      await ready;
      const id = `msg-${++seq}`;
      const answered = new Promise<{ code: number; data?: string }>((r) => waiting.set(id, r as (p: unknown) => void));
      const frame = Frame.encode(
        Frame.create({
          SeqID: seq, LogID: seq, service: 7, method: 1,
          headers: [{ key: 'type', value: 'event' }, { key: 'message_id', value: id }, { key: 'sum', value: '1' }, { key: 'seq', value: '0' }, { key: 'trace_id', value: `tr-${seq}` }],
          payload: Buffer.from(JSON.stringify(event)),
        }),
      ).finish();
      socket!.send(frame);
      return answered;
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      socket?.terminate();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
