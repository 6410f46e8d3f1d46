// A fake WeCom smart-robot gateway on 127.0.0.1 speaking the long-connection frame protocol of doc 101463 (as
// @wecom/aibot-node-sdk 1.0.7 sends and reads it): `aibot_subscribe` {bot_id, secret} → receipt (errcode 40001 on
// wrong credentials), `ping` → receipt, pushes of `aibot_msg_callback` / `aibot_event_callback` frames, receipts
// for `aibot_send_msg` (proactive) and `aibot_respond_update_msg` (card update), the three-step media upload
// (`aibot_upload_media_init` / `_chunk` / `_finish`, chunks ≤ 512 KB before base64), and `disconnected_event`. It can go
// silent without closing (no receipts, no pongs), close the connection, or refuse the next connections.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export interface ClientFrame {
  cmd: string;
  headers: { req_id: string };
  body?: any;
  at: number;
}

export async function startFakeRobotGateway(opts: { botId: string; secret: string }) {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  const frames: ClientFrame[] = [];
  let refuse = 0;
  let refused = 0;
  const muted = new Set<WebSocket>();
  let authenticated = 0;
  let current: WebSocket | undefined;
  const failures: number[] = [];
  let onAuth: Array<() => void> = [];
  const uploads = new Map<string, { filename: string; type: string; chunks: string[]; total: number }>();
  const media = new Map<string, { filename: string; type: string; bytes: Buffer }>();

  http.on('upgrade', (req, sock, head) => {
    if (refuse > 0) {
      refuse--;
      refused++;
      sock.destroy();
      return;
    }
    (wss as any).handleUpgrade(req, sock, head, (ws: WebSocket) => {
      ws.on('message', (data: Buffer) => {
        if (muted.has(ws)) return;
        const f = JSON.parse(data.toString('utf8')) as ClientFrame;
        frames.push({ ...f, at: Date.now() });
        const receipt = (errcode = 0, body?: unknown) => ws.send(JSON.stringify({ headers: { req_id: f.headers.req_id }, errcode, errmsg: errcode ? 'error' : 'ok', ...(body ? { body } : {}) }));
        if (f.cmd === 'aibot_subscribe') {
          if (f.body?.bot_id !== opts.botId || f.body?.secret !== opts.secret) return receipt(40001);
          current = ws;
          authenticated++;
          receipt();
          const waiting = onAuth;
          onAuth = [];
          waiting.forEach((r) => r());
          return;
        }
        if (ws !== current) return; // not subscribed
        if (f.cmd === 'aibot_upload_media_init') {
          if (!f.body?.filename || !['file', 'image', 'voice', 'video'].includes(f.body?.type) || !(f.body?.total_chunks >= 1)) return receipt(40058);
          const id = `up-${randomBytes(6).toString('hex')}`;
          uploads.set(id, { filename: f.body.filename, type: f.body.type, chunks: [], total: f.body.total_chunks });
          return receipt(0, { upload_id: id });
        }
        if (f.cmd === 'aibot_upload_media_chunk') {
          const u = uploads.get(f.body?.upload_id);
          if (!u || Buffer.from(String(f.body?.base64_data ?? ''), 'base64').length > 512 * 1024) return receipt(40058);
          u.chunks[Number(f.body.chunk_index)] = String(f.body.base64_data); // 0-based, as the SDK sends it
          return receipt();
        }
        if (f.cmd === 'aibot_upload_media_finish') {
          const u = uploads.get(f.body?.upload_id);
          if (!u || u.chunks.filter(Boolean).length !== u.total) return receipt(40058);
          const id = `media-${randomBytes(8).toString('hex')}`;
          const bytes = Buffer.concat(u.chunks.map((c) => Buffer.from(c, 'base64')));
          if (u.type === 'image' && bytes.length > 2 * 1024 * 1024) return receipt(40009); // images ≤ 2 MB
          media.set(id, { filename: u.filename, type: u.type, bytes });
          return receipt(0, { type: u.type, media_id: id, created_at: String(Math.floor(Date.now() / 1000)) });
        }
        if (f.cmd === 'aibot_send_msg' && f.body?.msgtype === 'file' && !media.has(f.body?.file?.media_id)) return receipt(40007);
        if (f.cmd === 'aibot_send_msg' && f.body?.msgtype === 'image' && media.get(f.body?.image?.media_id)?.type !== 'image') return receipt(40007);
        if (f.cmd === 'aibot_send_msg') {
          const fail = failures.shift();
          return fail ? receipt(fail) : receipt(0, { msgid: `bot-msg-${randomBytes(4).toString('hex')}` });
        }
        receipt(); // ping, aibot_respond_update_msg, aibot_respond_msg
      });
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as { port: number };
  let seq = 0;

  const push = (cmd: string, body: unknown) => {
    const reqId = `req-${++seq}-${randomBytes(3).toString('hex')}`;
    current!.send(JSON.stringify({ cmd, headers: { req_id: reqId }, body }));
    return reqId;
  };

  return {
    url: `ws://127.0.0.1:${port}`,
    frames,
    /** Resolves when a client has subscribed (now, if one is). */
    connected: () => (current ? Promise.resolve() : new Promise<void>((r) => onAuth.push(r))),
    /** Resolves at the next successful subscription. */
    nextAuth: () => new Promise<void>((r) => onAuth.push(r)),
    authenticated: () => authenticated,
    refused: () => refused,
    sends: () => frames.filter((f) => f.cmd === 'aibot_send_msg'),
    /** Files sent proactively: an uploaded media_id in a file message. */
    files: () =>
      frames.filter((f) => f.cmd === 'aibot_send_msg' && f.body?.msgtype === 'file' && media.has(f.body.file.media_id)).map((f) => ({ to: String(f.body.chatid), ...media.get(f.body.file.media_id)! })),
    /** Images sent proactively: an uploaded image's media_id in an image message. */
    images: () =>
      frames.filter((f) => f.cmd === 'aibot_send_msg' && f.body?.msgtype === 'image' && media.has(f.body.image?.media_id)).map((f) => ({ to: String(f.body.chatid), ...media.get(f.body.image.media_id)! })),
    updates: () => frames.filter((f) => f.cmd === 'aibot_respond_update_msg'),
    pings: () => frames.filter((f) => f.cmd === 'ping').length,
    /** A message callback (text, voice …) from a user; returns its req_id. */
    message: (body: Record<string, unknown>) => push('aibot_msg_callback', { aibotid: opts.botId, chattype: 'single', ...body }),
    event: (body: Record<string, unknown>) => push('aibot_event_callback', { aibotid: opts.botId, msgtype: 'event', create_time: Math.floor(Date.now() / 1000), ...body }),
    /** Sends these bytes as they are (malformed-frame tests). */
    raw: (data: string) => current!.send(data),
    /** The next proactive sends are answered with these errcodes. */
    failNextSends: (...codes: number[]) => failures.push(...codes),
    /** The current connection stops answering anything (receipts, pongs) and stays open: a half-open socket. */
    muteCurrent() {
      if (current) muted.add(current);
      current = undefined;
    },
    /** Closes the current connection (the gateway restarted). */
    drop() {
      current?.terminate();
      current = undefined;
    },
    /** Refuses the next `n` connection attempts at the upgrade. */
    refuseNext(n: number) {
      refuse += n;
    },
    /** Tells the current connection that another one took over, then closes it. */
    kick() {
      push('aibot_event_callback', { msgid: `kick-${seq}`, aibotid: opts.botId, msgtype: 'event', from: { userid: 'sys' }, event: { eventtype: 'disconnected_event' } });
      const c = current;
      current = undefined;
      setTimeout(() => c?.close(), 20);
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

export type FakeRobotGateway = Awaited<ReturnType<typeof startFakeRobotGateway>>;
