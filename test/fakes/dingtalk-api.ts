// A fake DingTalk OpenAPI on 127.0.0.1: oauth2/accessToken, robot oToMessages/batchSend and groupMessages/send,
// card instances createAndDeliver / update, and the Stream gateway (connections/open + a WebSocket that pushes
// CALLBACK frames and collects the client's acks). It checks the x-acs-dingtalk-access-token header, robotCode,
// msgKey/msgParam (a JSON *string*, ≤ 15,000 bytes), ≤ 20 userIds, and can be told to fail on demand or to
// answer a send only after a delay (it is delivered first — the ambiguous timeout).
// Dashboard sign-in: the OAuth2 page login.dingtalk.com/oauth2/auth (back with an authCode for the user set by
// `signInAs`), v1.0/oauth2/userAccessToken (client id/secret; a code works once; corpId with scope `corpid`),
// v1.0/contact/users/me (user token) and oapi topapi/user/getbyunionid (app token); `failSignInNext` on the first.
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { acceptMultipart, readForm, type UploadedFile } from './multipart.js';
import { WebSocketServer, type WebSocket } from 'ws';
import { backWithCode } from './login-page.js';

export type DingtalkFail = 'token_expired' | 'rate_limited' | 'http_500' | 'flow_controlled';
/** A sign-in code exchange that fails: an HTTP 500, or no answer until close. */
export type DingtalkSignInFail = 'http_500' | 'hang';
/** Who the OAuth2 page signs in: a member of `corpId` (userid), or an external contact of it. */
export interface DingtalkSignInAs {
  userid: string;
  corpId: string;
  external?: boolean;
}

export interface DingtalkReceived {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

const MSG_KEYS = new Set(['sampleText', 'sampleMarkdown', 'sampleLink', 'sampleActionCard', 'sampleActionCard2', 'sampleActionCard3', 'sampleActionCard4', 'sampleActionCard5', 'sampleActionCard6', 'sampleFile', 'sampleImageMsg']);

export async function startFakeDingtalk(opts: { appKey: string; appSecret: string; robotCode: string }) {
  const app = Fastify({ logger: false });
  acceptMultipart(app);
  const received: DingtalkReceived[] = [];
  /** oapi media/upload files by media_id, and the sampleFile messages that carried one. */
  const media = new Map<string, UploadedFile & { type: string }>();
  const files: Array<{ to: string; fileName: string; fileType: string; bytes: Buffer }> = [];
  /** sampleImageMsg messages whose photoURL is an uploaded image's media id. */
  const images: Array<{ to: string; bytes: Buffer }> = [];
  const tokens = new Set<string>();
  const cards = new Map<string, { target: string; params: Record<string, string>; updates: Array<Record<string, string>> }>();
  let failures: DingtalkFail[] = [];
  /** Image uploads answered HTTP 500 (files and messages go through). */
  let imageFailures = 0;
  const slow: number[] = [];
  let tokenCalls = 0;
  const acks: any[] = [];
  let socket: WebSocket | undefined;
  let connected!: () => void;
  let ready = new Promise<void>((r) => (connected = r));
  let signInAs: DingtalkSignInAs | undefined;
  const authCodes = new Map<string, { who: DingtalkSignInAs; withCorp: boolean; used: boolean }>();
  const userTokens = new Map<string, { who: DingtalkSignInAs; withCorp: boolean }>();
  const unionIds = new Map<string, DingtalkSignInAs>();
  let signInFailures: DingtalkSignInFail[] = [];
  const hangs = new Set<() => void>();

  app.addHook('preHandler', async (req) => {
    received.push({ method: req.method, path: req.url.split('?')[0]!, headers: req.headers, body: req.body });
  });
  app.addHook('onSend', async (req, _reply, payload) => {
    if (/^\/v1\.0\/(robot|card)\//.test(req.url) && slow.length > 0) await new Promise((r) => setTimeout(r, slow.shift()));
    return payload;
  });
  const err = (reply: any, status: number, code: string, message: string) => reply.code(status).send({ code, message, requestid: randomBytes(6).toString('hex') });
  const guard = (req: any, reply: any) => {
    const token = req.headers['x-acs-dingtalk-access-token'];
    if (!token || !tokens.has(String(token))) return err(reply, 401, 'InvalidAuthentication', '不合法的access_token');
    const f = failures.shift();
    if (f === 'token_expired') {
      tokens.clear();
      return err(reply, 401, 'InvalidAuthentication', '不合法的access_token');
    }
    if (f === 'rate_limited') return err(reply, 429, 'Forbidden.AccessDenied.QpsLimitForApi', 'qps limit');
    if (f === 'http_500') return reply.code(500).send({ code: 'InternalError', message: 'busy' });
    if (f === 'flow_controlled') return reply.send({ processQueryKey: 'pq', invalidStaffIdList: [], flowControlledStaffIdList: req.body?.userIds ?? [] });
    return undefined;
  };
  const checkMessage = (reply: any, b: any) => {
    if (b?.robotCode !== opts.robotCode) return err(reply, 400, 'invalidParameter.robotCode', 'robotCode 不存在');
    if (!MSG_KEYS.has(b.msgKey)) return err(reply, 400, 'invalidParameter.msgKey', 'msgKey 不合法');
    if (typeof b.msgParam !== 'string') return err(reply, 400, 'invalidParameter.msgParam', 'msgParam 必须是 JSON 字符串');
    if (Buffer.byteLength(b.msgParam) > 15_000) return err(reply, 400, 'invalidParameter.msgParam.length', 'msgParam 过长');
    let p: any;
    try {
      p = JSON.parse(b.msgParam);
    } catch {
      return err(reply, 400, 'invalidParameter.msgParam', 'msgParam 不是 JSON');
    }
    const n = /^sampleActionCard(\d)?$/.exec(b.msgKey);
    if (b.msgKey === 'sampleText' && !p.content) return err(reply, 400, 'invalidParameter.msgParam', 'content');
    if (b.msgKey === 'sampleMarkdown' && (!p.title || !p.text)) return err(reply, 400, 'invalidParameter.msgParam', 'title/text');
    if (n && !n[1] && (!p.singleTitle || !p.singleURL)) return err(reply, 400, 'invalidParameter.msgParam', 'singleTitle/singleURL');
    if (b.msgKey === 'sampleFile' && (!media.has(p.mediaId) || !p.fileName || !p.fileType)) return err(reply, 400, 'invalidParameter.msgParam', 'mediaId/fileName/fileType');
    if (b.msgKey === 'sampleImageMsg' && media.get(p.photoURL)?.type !== 'image') return err(reply, 400, 'invalidParameter.msgParam', 'photoURL');
    if (n?.[1]) for (let i = 1; i <= Number(n[1]); i++) if (!p[`actionTitle${i}`] || !p[`actionURL${i}`]) return err(reply, 400, 'invalidParameter.msgParam', `actionTitle${i}`);
    return undefined;
  };

  app.post('/v1.0/oauth2/accessToken', async (req, reply) => {
    tokenCalls++;
    const b = req.body as any;
    if (b?.appKey !== opts.appKey || b?.appSecret !== opts.appSecret) return err(reply, 400, 'invalidClientIdOrSecret', '无效的 appKey 或 appSecret');
    const token = randomBytes(16).toString('hex');
    tokens.add(token);
    return { accessToken: token, expireIn: 7200 };
  });
  app.post('/v1.0/robot/oToMessages/batchSend', async (req, reply) => {
    const bad = guard(req, reply) ?? checkMessage(reply, req.body);
    if (bad) return bad;
    const b = req.body as any;
    if (!Array.isArray(b.userIds) || b.userIds.length < 1 || b.userIds.length > 20) return err(reply, 400, 'invalidParameter.userIds', 'userIds 1–20 个');
    if (b.msgKey === 'sampleFile') for (const u of b.userIds) files.push({ to: u, ...fileOf(b.msgParam) });
    if (b.msgKey === 'sampleImageMsg') for (const u of b.userIds) images.push({ to: u, bytes: media.get(JSON.parse(b.msgParam).photoURL)!.bytes });
    return { processQueryKey: randomBytes(8).toString('hex'), invalidStaffIdList: [], flowControlledStaffIdList: [] };
  });
  app.post('/v1.0/robot/groupMessages/send', async (req, reply) => {
    const bad = guard(req, reply) ?? checkMessage(reply, req.body);
    if (bad) return bad;
    if (!/^cid/.test((req.body as any).openConversationId ?? '')) return err(reply, 400, 'invalidParameter.openConversationId', '群不存在');
    if ((req.body as any).msgKey === 'sampleFile') files.push({ to: (req.body as any).openConversationId, ...fileOf((req.body as any).msgParam) });
    if ((req.body as any).msgKey === 'sampleImageMsg') images.push({ to: (req.body as any).openConversationId, bytes: media.get(JSON.parse((req.body as any).msgParam).photoURL)!.bytes });
    return { processQueryKey: randomBytes(8).toString('hex') };
  });
  const fileOf = (msgParam: string) => {
    const p = JSON.parse(msgParam);
    const f = media.get(p.mediaId)!;
    return { fileName: String(p.fileName), fileType: String(p.fileType), bytes: f.bytes };
  };
  // The older oapi.dingtalk.com: the same app token as ?access_token=, errors as HTTP 200 {errcode, errmsg}.
  app.post('/media/upload', async (req, reply) => {
    const q = req.query as Record<string, string>;
    if (!q.access_token || !tokens.has(q.access_token)) return { errcode: 40014, errmsg: '不合法的access_token' };
    const form = await readForm(req);
    const f = form?.files.find((x) => x.field === 'media');
    const type = form?.fields.type ?? '';
    if (type === 'image' && imageFailures > 0) {
      imageFailures--;
      return reply.code(500).send('busy');
    }
    if (type !== 'file' && type !== 'image') return { errcode: 40004, errmsg: '不合法的媒体文件类型' };
    if (!f || f.bytes.length === 0) return { errcode: 40005, errmsg: '不合法的文件' };
    // Images: JPG/PNG/GIF/BMP ≤ 1 MB (the stricter figure of DingTalk's docs); files ≤ 20 MB.
    if (f.bytes.length > (type === 'image' ? 1 : 20) * 1024 * 1024) return { errcode: 40006, errmsg: '不合法的文件大小' };
    if (type === 'image' && !f.bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])) && !(f.bytes[0] === 0xff && f.bytes[1] === 0xd8)) return { errcode: 40005, errmsg: '不合法的图片' };
    const id = `@lA${randomBytes(10).toString('hex')}`;
    media.set(id, { ...f, type });
    return { errcode: 0, errmsg: 'ok', type, media_id: id, created_at: Date.now() };
  });
  /** login.dingtalk.com/oauth2/auth: back to redirect_uri with authCode and state. */
  app.get('/oauth2/auth', async (req, reply) => {
    const q = req.query as Record<string, string>;
    const scopes = String(q.scope ?? '').split(' ');
    if (q.client_id !== opts.appKey || q.response_type !== 'code' || q.prompt !== 'consent' || !scopes.includes('openid')) return reply.code(400).type('text/html').send('参数错误');
    return backWithCode(reply, q, {
      signedIn: !!signInAs,
      notSignedIn: '未登录钉钉',
      codeParam: 'authCode',
      issue: (code) => authCodes.set(code, { who: signInAs!, withCorp: scopes.includes('corpid'), used: false }),
    });
  });
  app.post('/v1.0/oauth2/userAccessToken', async (req, reply) => {
    const f = signInFailures.shift();
    if (f === 'hang') await new Promise<void>((r) => hangs.add(r));
    if (f === 'http_500') return reply.code(500).send({ code: 'InternalError', message: 'busy' });
    const b = req.body as any;
    if (b?.clientId !== opts.appKey || b?.clientSecret !== opts.appSecret) return err(reply, 400, 'invalidClientIdOrSecret', '无效的 clientId 或 clientSecret');
    if (b.grantType !== 'authorization_code') return err(reply, 400, 'invalidParameter.grantType', 'grantType');
    const c = authCodes.get(String(b.code ?? ''));
    if (!c || c.used) return err(reply, 400, 'invalidParameter.authCode', '不合法的临时授权码');
    c.used = true;
    const token = randomBytes(16).toString('hex');
    userTokens.set(token, c);
    return { accessToken: token, refreshToken: randomBytes(16).toString('hex'), expireIn: 7200, ...(c.withCorp ? { corpId: c.who.corpId } : {}) };
  });
  app.get('/v1.0/contact/users/me', async (req, reply) => {
    const u = userTokens.get(String(req.headers['x-acs-dingtalk-access-token'] ?? ''));
    if (!u) return err(reply, 401, 'InvalidAuthentication', '不合法的access_token');
    const unionId = `union${u.who.userid}`;
    unionIds.set(unionId, u.who);
    return { nick: `钉钉${u.who.userid.slice(-4)}`, unionId, openId: `open${u.who.userid}` };
  });
  app.post('/topapi/user/getbyunionid', async (req) => {
    const q = req.query as Record<string, string>;
    if (!q.access_token || !tokens.has(q.access_token)) return { errcode: 40014, errmsg: '不合法的access_token' };
    const who = unionIds.get(String((req.body as any)?.unionid ?? ''));
    if (!who) return { errcode: 60121, errmsg: '找不到该用户' };
    return { errcode: 0, errmsg: 'ok', result: { contact_type: who.external ? 1 : 0, userid: who.userid }, request_id: randomBytes(6).toString('hex') };
  });
  app.post('/v1.0/card/instances/createAndDeliver', async (req, reply) => {
    const bad = guard(req, reply);
    if (bad) return bad;
    const b = req.body as any;
    if (!b.cardTemplateId || !b.outTrackId || !/^dtv1\.card\/\/(IM_ROBOT|IM_GROUP)\./.test(b.openSpaceId ?? '')) return err(reply, 400, 'invalidParameter', 'cardTemplateId/outTrackId/openSpaceId');
    if (cards.has(b.outTrackId)) return err(reply, 400, 'invalidParameter.outTrackId', 'outTrackId 已存在');
    for (const v of Object.values(b.cardData?.cardParamMap ?? {})) if (typeof v !== 'string') return err(reply, 400, 'invalidParameter.cardParamMap', '卡片参数必须是字符串');
    cards.set(b.outTrackId, { target: b.openSpaceId, params: b.cardData.cardParamMap, updates: [] });
    return { success: true, result: { outTrackId: b.outTrackId } };
  });
  app.put('/v1.0/card/instances', async (req, reply) => {
    const bad = guard(req, reply);
    if (bad) return bad;
    const b = req.body as any;
    const c = cards.get(b.outTrackId);
    if (!c) return err(reply, 400, 'invalidParameter.outTrackId', '卡片不存在');
    c.updates.push(b.cardData?.cardParamMap ?? {});
    return { success: true };
  });

  // Stream gateway: the client posts its credentials and subscriptions, then connects with the ticket.
  const wss = new WebSocketServer({ noServer: true });
  const tickets = new Set<string>();
  let subscriptions: Array<{ type: string; topic: string }> = [];
  let refuse = 0;
  let refused = 0;
  let connections = 0;
  app.post('/v1.0/gateway/connections/open', async (req, reply) => {
    const b = req.body as any;
    if (refuse > 0) {
      refuse--;
      refused++;
      return err(reply, 503, 'ServiceUnavailable', 'busy');
    }
    if (b?.clientId !== opts.appKey || b?.clientSecret !== opts.appSecret) return err(reply, 401, 'invalidClient', 'clientId/secret');
    subscriptions = b.subscriptions ?? [];
    const ticket = randomBytes(8).toString('hex');
    tickets.add(ticket);
    const { port } = app.server.address() as { port: number };
    return { endpoint: `ws://127.0.0.1:${port}/connect`, ticket };
  });
  app.server.on('upgrade', (req, sock, head) => {
    const ticket = new URL(req.url ?? '', 'http://x').searchParams.get('ticket') ?? '';
    if (!tickets.delete(ticket)) return sock.destroy();
    (wss as any).handleUpgrade(req, sock, head, (ws: WebSocket) => {
      socket = ws;
      connections++;
      ws.on('message', (data: Buffer) => acks.push(JSON.parse(data.toString('utf8'))));
      connected();
    });
  });

  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  let seq = 0;
  return {
    baseUrl,
    received,
    cards,
    acks,
    /** Files (uploaded to oapi media/upload, then sent as sampleFile) that reached a user or group. */
    files,
    /** Images (uploaded to oapi media/upload as type image, then sent as sampleImageMsg) that reached a user or group. */
    images,
    subscriptions: () => subscriptions,
    sends: () => received.filter((r) => r.path === '/v1.0/robot/oToMessages/batchSend' || r.path === '/v1.0/robot/groupMessages/send'),
    tokenCalls: () => tokenCalls,
    failNext: (kind: DingtalkFail, n = 1) => (failures = [...failures, ...Array<DingtalkFail>(n).fill(kind)]),
    /** The next `n` image uploads fail with HTTP 500. */
    failImages: (n = 1) => (imageFailures += n),
    /** The next `n` robot/card calls are processed, then answered only after `ms`. */
    slowNext: (ms: number, n = 1) => slow.push(...Array<number>(n).fill(ms)),
    connected: () => ready,
    /** Pushes a CALLBACK frame; resolves with the client's ack for it (or undefined after `waitMs`). */
    async push(topic: string, data: unknown, messageId = `m-${++seq}`, waitMs = 5000): Promise<any> {
      await ready;
      socket!.send(JSON.stringify({ specVersion: '1.0', type: 'CALLBACK', headers: { appId: 'app', connectionId: 'c1', contentType: 'application/json', messageId, time: String(Date.now()), topic }, data: JSON.stringify(data) }));
      const until = Date.now() + waitMs;
      while (Date.now() < until) {
        const ack = acks.find((a) => a.headers?.messageId === messageId);
        if (ack) return ack;
        await new Promise((r) => setTimeout(r, 10));
      }
      return undefined;
    },
    connections: () => connections,
    refused: () => refused,
    /** The next `n` connections/open requests are answered 503. */
    refuseNext(n: number) {
      refuse += n;
    },
    /** The current socket stays open but reads nothing (no pongs, no acks): half-open. */
    muteCurrent() {
      (socket as any)?._socket?.pause();
    },
    dropConnection() {
      socket?.terminate();
      ready = new Promise<void>((r) => (connected = r));
    },
    /** Who the OAuth2 page signs in from now on (undefined: nobody is logged in to DingTalk). */
    signInAs: (who: DingtalkSignInAs | undefined) => void (signInAs = who),
    /** The next `n` userAccessToken calls fail this way ('hang': answered only at close). */
    failSignInNext: (kind: DingtalkSignInFail, n = 1) => void (signInFailures = [...signInFailures, ...Array<DingtalkSignInFail>(n).fill(kind)]),
    signInExchanges: () => received.filter((r) => r.path === '/v1.0/oauth2/userAccessToken'),
    async close() {
      for (const r of hangs) r();
      for (const c of wss.clients) c.terminate();
      wss.close();
      await app.close();
    },
  };
}

export type FakeDingtalk = Awaited<ReturnType<typeof startFakeDingtalk>>;
