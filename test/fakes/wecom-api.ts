// A fake WeCom API on 127.0.0.1: gettoken, message/send, message/update_template_card, user/get, media/upload (file,
// image) and group-robot webhook/send (markdown, file, base64 image) and webhook/upload_media. It checks tokens, fields and documented limits like the real API, records every request, and can
// be told to fail (expired token 42001, rate limit 45009, HTTP 5xx with or without a JSON errcode) or to answer a
// send only after a delay (it is delivered first — the ambiguous timeout). The duplicate check follows doc 90236:
// the same request JSON within the interval is not delivered again (answered with the first send's ids).
// Dashboard sign-in: the OAuth2 authorize page (redirects back with a code for the member set by `signInAs`) and
// auth/getuserinfo (checks the token; a code works once), which can be told to fail or hang (`failSignInNext`).
import { createHash, randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { acceptMultipart, readForm, type UploadedFile } from './multipart.js';
import { backWithCode } from './login-page.js';

export type FailKind = 'token_expired' | 'rate_limited' | 'http_500' | 'http_503' | 'http_502_code';
/** A sign-in code exchange that fails: WeCom busy (errcode -1), an HTTP 500, or no answer for `hangMs`. */
export type SignInFail = 'busy' | 'http_500' | 'hang';
/** Who the authorize page signs in: a member (userid) or someone outside the corp (openid). */
export type WecomSignInAs = { userid: string } | { openid: string };

export interface Received {
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

const bytes = (s: unknown) => Buffer.byteLength(String(s ?? ''));
/** WeCom images are JPG or PNG: the first bytes tell. */
const isPngOrJpg = (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) || (b[0] === 0xff && b[1] === 0xd8);

export async function startFakeWecom(opts: { corpId: string; secret: string; agentId: number; webhookKeys?: string[] }) {
  // A robot's 2 MB image travels as base64 inside the JSON body (~2.7 MB): above fastify's default 1 MB.
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  acceptMultipart(app);
  const received: Received[] = [];
  /** Uploaded media by media_id, and the files that reached someone (a user, or a group robot by its key). */
  const media = new Map<string, UploadedFile & { type: string }>();
  const files: Array<{ to: string; fileName: string; bytes: Buffer }> = [];
  /** Images that reached someone: an uploaded image in an app message, or a group robot's base64 image. */
  const images: Array<{ to: string; bytes: Buffer }> = [];
  const tokens = new Set<string>();
  const usedTaskIds = new Set<string>();
  const responseCodes = new Map<string, boolean>();
  const recent = new Map<string, { at: number; reply: Record<string, unknown> }>();
  const slow: number[] = [];
  const delivered: Array<{ touser: string; content: string }> = [];
  const cards: Array<{ touser: string; taskId: string; responseCode: string }> = [];
  let failures: FailKind[] = [];
  /** Image calls (an image upload, a robot's image message) answered HTTP 503 before anything else is looked at. */
  let imageFailures = 0;
  const failImage = (reply: { code(n: number): { send(b: unknown): unknown } }) => (imageFailures > 0 ? (imageFailures--, reply.code(503).send('busy')) : undefined);
  let tokenCalls = 0;
  let signInAs: WecomSignInAs | undefined;
  const codes = new Map<string, { who: WecomSignInAs; used: boolean }>();
  let signInFailures: SignInFail[] = [];
  const hangs = new Set<() => void>();
  let duplicatesDropped = 0;

  const fail = (reply: { code(n: number): { send(b: unknown): unknown } }) => {
    const f = failures.shift();
    if (!f) return undefined;
    if (f === 'http_500') return reply.code(500).send('internal');
    if (f === 'http_503') return reply.code(503).send('busy');
    if (f === 'http_502_code') return reply.code(502).send({ errcode: 50001, errmsg: 'system error' });
    if (f === 'token_expired') return reply.code(200).send({ errcode: 42001, errmsg: 'access_token expired' });
    return reply.code(200).send({ errcode: 45009, errmsg: 'api freq out of limit' });
  };
  const err = (errcode: number, errmsg: string) => ({ errcode, errmsg });

  app.addHook('onRequest', async (req) => {
    received.push({ path: req.url.split('?')[0]!, query: req.query as Record<string, string>, body: undefined });
  });
  app.addHook('preHandler', async (req) => {
    received[received.length - 1]!.body = req.body as Record<string, unknown> | undefined;
  });
  // slowNext: the send is processed (delivered), then answered late — the client has given up by then.
  app.addHook('onSend', async (req, _reply, payload) => {
    if (req.url.startsWith('/cgi-bin/message/send') && slow.length > 0) await new Promise((r) => setTimeout(r, slow.shift()));
    return payload;
  });

  app.get('/cgi-bin/gettoken', async (req) => {
    tokenCalls++;
    const q = req.query as Record<string, string>;
    if (q.corpid !== opts.corpId || q.corpsecret !== opts.secret) return err(40001, 'invalid credential');
    const token = randomBytes(24).toString('hex');
    tokens.add(token);
    return { errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 };
  });

  const checkToken = (q: Record<string, string>) => (!q.access_token ? err(41001, 'access_token missing') : tokens.has(q.access_token) ? undefined : err(40014, 'invalid access_token'));

  app.post('/cgi-bin/message/send', async (req, reply) => {
    const failed = fail(reply);
    if (failed) return failed;
    const bad = checkToken(req.query as Record<string, string>);
    if (bad) return bad;
    const b = req.body as Record<string, any>;
    if (b.agentid !== opts.agentId) return err(40056, 'invalid agentid');
    if (!b.touser) return err(82001, 'All touser invalid');
    // enable_duplicate_check: the same request JSON within the interval is not delivered again.
    const dupKey = JSON.stringify(b);
    const last = recent.get(dupKey);
    if (b.enable_duplicate_check === 1 && last && Date.now() - last.at < (b.duplicate_check_interval ?? 1800) * 1000) {
      duplicatesDropped++;
      return last.reply;
    }
    const ok = (extra: Record<string, unknown> = {}) => {
      const r = { errcode: 0, errmsg: 'ok', msgid: randomBytes(8).toString('hex'), ...extra };
      if (b.enable_duplicate_check === 1) recent.set(dupKey, { at: Date.now(), reply: r });
      return r;
    };
    if (b.msgtype === 'text' && (!b.text?.content || bytes(b.text.content) > 2048)) return err(45002, 'content size out of limit');
    if (b.msgtype === 'markdown' && (!b.markdown?.content || bytes(b.markdown.content) > 2048)) return err(45002, 'content size out of limit');
    if (b.msgtype === 'template_card') {
      const c = b.template_card ?? {};
      if (c.card_type !== 'button_interaction') return err(40058, 'card_type');
      if (!c.main_title?.title || !c.task_id || !/^[A-Za-z0-9_\-@]{1,128}$/.test(c.task_id)) return err(40058, 'main_title/task_id');
      if (usedTaskIds.has(c.task_id)) return err(40058, 'task_id exists');
      if (!Array.isArray(c.button_list) || c.button_list.length < 1 || c.button_list.length > 6) return err(40058, 'button_list');
      for (const btn of c.button_list) if (!btn.text || !btn.key || bytes(btn.key) > 1024 || ![1, 2, 3, 4].includes(btn.style)) return err(40058, 'button');
      if ((c.horizontal_content_list ?? []).length > 6) return err(40058, 'horizontal_content_list');
      usedTaskIds.add(c.task_id);
      const code = randomBytes(12).toString('hex');
      responseCodes.set(code, false);
      cards.push({ touser: String(b.touser), taskId: String(c.task_id), responseCode: code });
      return ok({ response_code: code });
    }
    if (b.msgtype === 'file') {
      const f = media.get(String(b.file?.media_id ?? ''));
      if (!f) return err(40007, 'invalid media_id');
      files.push({ to: String(b.touser), fileName: f.fileName, bytes: f.bytes });
      return ok();
    }
    if (b.msgtype === 'image') {
      const f = media.get(String(b.image?.media_id ?? ''));
      if (!f || f.type !== 'image') return err(40007, 'invalid media_id');
      images.push({ to: String(b.touser), bytes: f.bytes });
      return ok();
    }
    if (!['text', 'markdown'].includes(b.msgtype)) return err(40008, 'invalid message type');
    delivered.push({ touser: String(b.touser), content: String(b.text?.content ?? b.markdown?.content ?? '') });
    return ok();
  });

  app.post('/cgi-bin/message/update_template_card', async (req, reply) => {
    const failed = fail(reply);
    if (failed) return failed;
    const bad = checkToken(req.query as Record<string, string>);
    if (bad) return bad;
    const b = req.body as Record<string, any>;
    if (b.agentid !== opts.agentId) return err(40056, 'invalid agentid');
    if (!responseCodes.has(b.response_code) || responseCodes.get(b.response_code)) return err(40058, 'invalid response_code');
    if (!b.button?.replace_name && !b.template_card) return err(40058, 'button or template_card required');
    responseCodes.set(b.response_code, true);
    return { errcode: 0, errmsg: 'ok' };
  });

  app.get('/cgi-bin/user/get', async (req) => {
    const bad = checkToken(req.query as Record<string, string>);
    if (bad) return bad;
    const q = req.query as Record<string, string>;
    return { errcode: 0, errmsg: 'ok', userid: q.userid, name: `员工${q.userid}` };
  });

  /** The OAuth2 authorize page (doc 91022): back to redirect_uri with a fresh code and the caller's state. */
  app.get('/connect/oauth2/authorize', async (req, reply) => {
    const q = req.query as Record<string, string>;
    if (q.appid !== opts.corpId || q.agentid !== String(opts.agentId) || q.response_type !== 'code' || q.scope !== 'snsapi_base') return reply.code(400).type('text/html').send('参数错误');
    return backWithCode(reply, q, {
      signedIn: !!signInAs,
      notSignedIn: '未登录企业微信',
      issue: (code) => codes.set(code, { who: signInAs!, used: false }),
    });
  });

  /** auth/getuserinfo (doc 91023): a member's userid, or a non-member's openid; a code works once. */
  app.get('/cgi-bin/auth/getuserinfo', async (req, reply) => {
    const f = signInFailures.shift();
    if (f === 'hang') await new Promise<void>((r) => hangs.add(r));
    if (f === 'http_500') return reply.code(500).send('internal');
    if (f === 'busy') return err(-1, 'system busy');
    const q = req.query as Record<string, string>;
    const bad = checkToken(q);
    if (bad) return bad;
    const c = codes.get(q.code ?? '');
    if (!c || c.used) return err(40029, 'invalid code');
    c.used = true;
    return 'userid' in c.who ? { errcode: 0, errmsg: 'ok', userid: c.who.userid, user_ticket: randomBytes(8).toString('hex') } : { errcode: 0, errmsg: 'ok', openid: c.who.openid };
  });

  /** media/upload (doc 90253): field `media` with a filename; type=file 5 B – 20 MB, type=image a JPG/PNG ≤ 10 MB (robots: file only). */
  const upload = async (req: Parameters<typeof readForm>[0], types: string[]) => {
    const q = req.query as Record<string, string>;
    const type = q.type ?? '';
    if (!types.includes(type)) return err(40004, 'invalid media type');
    const form = await readForm(req);
    const f = form?.files.find((x) => x.field === 'media');
    if (!f || !f.fileName) return err(41005, 'media data missing');
    if (f.bytes.length < 5 || f.bytes.length > (type === 'image' ? 10 : 20) * 1024 * 1024) return err(40006, 'invalid file size');
    if (type === 'image' && !isPngOrJpg(f.bytes)) return err(40005, 'invalid file type');
    const id = `media-${randomBytes(12).toString('hex')}`;
    media.set(id, { ...f, type });
    return { errcode: 0, errmsg: 'ok', type, media_id: id, created_at: String(Math.floor(Date.now() / 1000)) };
  };
  app.post('/cgi-bin/media/upload', async (req, reply) => {
    const failed = ((req.query as Record<string, string>).type === 'image' ? failImage(reply) : undefined) ?? fail(reply);
    if (failed) return failed;
    const bad = checkToken(req.query as Record<string, string>);
    if (bad) return bad;
    return upload(req, ['file', 'image']);
  });
  app.post('/cgi-bin/webhook/upload_media', async (req, reply) => {
    const failed = fail(reply);
    if (failed) return failed;
    const q = req.query as Record<string, string>;
    if (!q.key || !(opts.webhookKeys ?? []).includes(q.key)) return err(93000, 'invalid webhook url');
    return upload(req, ['file', 'voice']);
  });

  app.post('/cgi-bin/webhook/send', async (req, reply) => {
    const failed = ((req.body as Record<string, unknown> | undefined)?.msgtype === 'image' ? failImage(reply) : undefined) ?? fail(reply);
    if (failed) return failed;
    const q = req.query as Record<string, string>;
    if (!q.key || !(opts.webhookKeys ?? []).includes(q.key)) return err(93000, 'invalid webhook url');
    const b = req.body as Record<string, any>;
    if (b.msgtype === 'file') {
      const f = media.get(String(b.file?.media_id ?? ''));
      if (!f) return err(40007, 'invalid media_id');
      files.push({ to: `webhook:${q.key}`, fileName: f.fileName, bytes: f.bytes });
      return { errcode: 0, errmsg: 'ok' };
    }
    // A robot's image (doc 91770): base64 of a JPG/PNG ≤ 2 MB before encoding, and the md5 of those bytes.
    if (b.msgtype === 'image') {
      const raw = Buffer.from(String(b.image?.base64 ?? ''), 'base64');
      if (raw.length === 0 || raw.length > 2 * 1024 * 1024) return err(40009, 'invalid image size');
      if (!isPngOrJpg(raw)) return err(40005, 'invalid image type');
      if (createHash('md5').update(raw).digest('hex') !== b.image?.md5) return err(301019, 'md5 not match');
      images.push({ to: `webhook:${q.key}`, bytes: raw });
      return { errcode: 0, errmsg: 'ok' };
    }
    if (b.msgtype !== 'markdown' || !b.markdown?.content || bytes(b.markdown.content) > 4096) return err(45002, 'content size out of limit');
    return { errcode: 0, errmsg: 'ok' };
  });

  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    baseUrl,
    received,
    /** Text/markdown messages that reached a user (after WeCom's duplicate check). */
    delivered,
    /** Template cards that reached a user. */
    cards,
    /** Files (uploaded, then sent as a file message) that reached a user or a group robot. */
    files,
    /** Images that reached a user (uploaded, then an image message) or a group robot (inline base64). */
    images,
    duplicatesDropped: () => duplicatesDropped,
    /** The next `n` message/send calls are delivered, then answered only after `ms`. */
    slowNext: (ms: number, n = 1) => slow.push(...Array<number>(n).fill(ms)),
    sends: () => received.filter((r) => r.path === '/cgi-bin/message/send'),
    tokenCalls: () => tokenCalls,
    failNext: (kind: FailKind, n = 1) => (failures = [...failures, ...Array<FailKind>(n).fill(kind)]),
    /** The next `n` image calls (image upload, robot image message) fail with HTTP 503; other calls go through. */
    failImages: (n = 1) => (imageFailures += n),
    expireTokens: () => tokens.clear(),
    /** Who the authorize page signs in from now on (undefined: nobody is logged in to WeCom). */
    signInAs: (who: WecomSignInAs | undefined) => void (signInAs = who),
    /** The next `n` getuserinfo calls fail this way ('hang': answered only at close). */
    failSignInNext: (kind: SignInFail, n = 1) => void (signInFailures = [...signInFailures, ...Array<SignInFail>(n).fill(kind)]),
    signInExchanges: () => received.filter((r) => r.path === '/cgi-bin/auth/getuserinfo'),
    close: async () => {
      for (const r of hangs) r();
      await app.close();
    },
  };
}

export type FakeWecom = Awaited<ReturnType<typeof startFakeWecom>>;
