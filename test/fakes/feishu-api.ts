// A fake Feishu open API on 127.0.0.1: tenant_access_token, im/v1 message create and patch, contact user get.
// It checks the bearer token, receive ids, content JSON and the card rules the real API enforces (schema 2.0
// shape, object button values, update_multi for patching, 30 KB), records every request, dedups on `uuid`, and
// can be told to fail (invalid token 99991663, rate limit 99991400/HTTP 429, HTTP 5xx with or without a JSON code)
// or to answer a create only after a delay (the message is stored first — the ambiguous timeout).
// Dashboard sign-in: the authorize page (back with a code for the user set by `signInAs`), authen/v2/oauth/token
// (checks client id/secret, redirect_uri; a code works once) and authen/v1/user_info (checks the user token); the
// token exchange can be told to fail or hang (`failSignInNext`).
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { acceptMultipart, readForm, type UploadedFile } from './multipart.js';
import { backWithCode } from './login-page.js';

export type FeishuFail = 'token_expired' | 'rate_limited' | 'http_500' | 'http_500_code';
/** A sign-in token exchange that fails: an HTTP 500 with a code, or no answer until close. */
export type FeishuSignInFail = 'http_500_code' | 'hang';

export interface FeishuReceived {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

interface Stored {
  receiveId: string;
  msgType: string;
  content: any;
  patches: any[];
}

export async function startFakeFeishu(opts: { appId: string; appSecret: string }) {
  const app = Fastify({ logger: false });
  acceptMultipart(app);
  const received: FeishuReceived[] = [];
  /** Files uploaded with im/v1/files, by file_key. */
  const uploads = new Map<string, UploadedFile & { fileType: string }>();
  const tokens = new Set<string>();
  const messages = new Map<string, Stored>();
  const byUuid = new Map<string, string>();
  let failures: FeishuFail[] = [];
  const slow: number[] = [];
  let hang: Promise<void> | undefined;
  let release = () => {};
  let tokenCalls = 0;
  let hanging: { promise: Promise<void>; release(): void } | undefined;
  let signInAs: { openId: string; tenantKey: string; name?: string } | undefined;
  const codes = new Map<string, { who: { openId: string; tenantKey: string; name?: string }; redirectUri: string; used: boolean }>();
  const userTokens = new Map<string, { openId: string; tenantKey: string; name?: string }>();
  let signInFailures: FeishuSignInFail[] = [];
  const hangs = new Set<() => void>();

  app.addHook('preHandler', async (req) => {
    received.push({ method: req.method, path: req.url.split('?')[0]!, query: req.query as Record<string, string>, headers: req.headers, body: req.body });
  });
  app.addHook('onSend', async (req, _reply, payload) => {
    if (req.method === 'POST' && req.url.startsWith('/open-apis/im/v1/messages')) {
      if (hang) await hang;
      if (slow.length > 0) await new Promise((r) => setTimeout(r, slow.shift()));
    }
    return payload;
  });
  const err = (reply: any, http: number, code: number, msg: string) => reply.code(http).send({ code, msg });
  const fail = (reply: any) => {
    const f = failures.shift();
    if (!f) return undefined;
    if (f === 'http_500') return reply.code(500).send('Internal Server Error');
    if (f === 'http_500_code') return err(reply, 500, 1500, 'internal error');
    if (f === 'token_expired') return err(reply, 400, 99991663, 'Invalid access token for authorization.');
    return err(reply, 429, 99991400, 'request trigger frequency limit');
  };
  const checkAuth = (req: any, reply: any) => {
    const auth = String(req.headers.authorization ?? '');
    const m = /^Bearer (t-[a-f0-9]+)$/.exec(auth);
    if (!m) return err(reply, 400, 99991661, 'Missing access token for authorization.');
    if (!tokens.has(m[1]!)) return err(reply, 400, 99991663, 'Invalid access token for authorization.');
    return undefined;
  };
  const cardProblem = (card: any): string | undefined => {
    if (card?.schema !== '2.0') return 'schema must be 2.0';
    if (!card.header?.title?.content || card.header.title.tag !== 'plain_text') return 'header.title';
    if (!Array.isArray(card.body?.elements)) return 'body.elements';
    for (const el of card.body.elements) {
      if (!['markdown', 'column_set', 'div', 'hr', 'button', 'chart'].includes(el.tag)) return `unknown tag ${el.tag}`;
      // A chart (JSON 2.0 图表组件): a VChart spec object; only the documented properties (2.0 refuses the rest).
      if (el.tag === 'chart') {
        if (typeof el.chart_spec !== 'object' || el.chart_spec === null || typeof el.chart_spec.type !== 'string') return 'chart_spec';
        for (const k of Object.keys(el)) if (!['tag', 'element_id', 'margin', 'aspect_ratio', 'color_theme', 'chart_spec', 'preview', 'height'].includes(k)) return `chart property ${k}`;
      }
      for (const col of el.columns ?? []) {
        for (const b of col.elements ?? []) {
          if (b.tag !== 'button' || !b.text?.content) return 'button text';
          for (const beh of b.behaviors ?? []) if (beh.type === 'callback' && (typeof beh.value !== 'object' || Array.isArray(beh.value))) return 'callback value must be an object';
        }
      }
    }
    return undefined;
  };

  app.post('/open-apis/auth/v3/tenant_access_token/internal', async (req, reply) => {
    tokenCalls++;
    const b = req.body as any;
    if (b?.app_id !== opts.appId || b?.app_secret !== opts.appSecret) return reply.send({ code: 10014, msg: 'app secret invalid' });
    const token = `t-${randomBytes(16).toString('hex')}`;
    tokens.add(token);
    return { code: 0, msg: 'ok', tenant_access_token: token, expire: 7200 };
  });

  app.post('/open-apis/im/v1/messages', async (req, reply) => {
    if (hanging) await hanging.promise; // a hung Feishu: the request is answered only when released
    const bad = checkAuth(req, reply) ?? fail(reply);
    if (bad) return bad;
    const q = req.query as Record<string, string>;
    const b = req.body as any;
    if (!['open_id', 'user_id', 'union_id', 'email', 'chat_id'].includes(q.receive_id_type ?? '')) return err(reply, 400, 99992402, 'field validation failed: receive_id_type');
    if (q.receive_id_type === 'open_id' && !/^ou_/.test(b?.receive_id ?? '')) return err(reply, 400, 99992361, 'open_id cross app');
    if (q.receive_id_type === 'chat_id' && !/^oc_/.test(b?.receive_id ?? '')) return err(reply, 400, 230001, 'invalid chat_id');
    if (!['text', 'post', 'interactive', 'file'].includes(b?.msg_type)) return err(reply, 400, 230001, 'invalid msg_type');
    if (typeof b.content !== 'string') return err(reply, 400, 230001, 'content must be a JSON string');
    let content: any;
    try {
      content = JSON.parse(b.content);
    } catch {
      return err(reply, 400, 230001, 'content is not JSON');
    }
    if (b.msg_type === 'interactive') {
      if (Buffer.byteLength(b.content) > 30 * 1024) return err(reply, 400, 230025, 'card content exceeds 30KB');
      const problem = cardProblem(content);
      if (problem) return err(reply, 400, 230099, `card content invalid: ${problem}`);
    } else if (b.msg_type === 'text' && typeof content.text !== 'string') return err(reply, 400, 230001, 'text');
    else if (b.msg_type === 'file' && !uploads.has(String(content.file_key ?? ''))) return err(reply, 400, 230001, 'invalid file_key');
    if (b.uuid) {
      const existing = byUuid.get(b.uuid);
      if (existing) return { code: 0, msg: 'success', data: { message_id: existing } };
    }
    const id = `om_${randomBytes(12).toString('hex')}`;
    messages.set(id, { receiveId: b.receive_id, msgType: b.msg_type, content, patches: [] });
    if (b.uuid) byUuid.set(b.uuid, id);
    return { code: 0, msg: 'success', data: { message_id: id, msg_type: b.msg_type } };
  });

  /** im/v1/files: multipart with file_type (pdf, doc, xls, ppt, stream, mp4, opus), file_name and file; ≤ 30 MB, not empty. */
  app.post('/open-apis/im/v1/files', async (req, reply) => {
    const bad = checkAuth(req, reply) ?? fail(reply);
    if (bad) return bad;
    const form = await readForm(req);
    if (!form) return err(reply, 400, 234001, 'Invalid request param: not multipart');
    const file = form.files.find((f) => f.field === 'file');
    if (!['pdf', 'doc', 'xls', 'ppt', 'stream', 'mp4', 'opus'].includes(form.fields.file_type ?? '')) return err(reply, 400, 234001, 'Invalid request param: file_type');
    if (!form.fields.file_name) return err(reply, 400, 234001, 'Invalid request param: file_name');
    if (!file || file.bytes.length === 0) return err(reply, 400, 234010, 'File cannot be empty');
    if (file.bytes.length > 30 * 1024 * 1024) return err(reply, 400, 234006, 'The file size exceed the max value');
    const key = `file_v3_${randomBytes(12).toString('hex')}`;
    uploads.set(key, { ...file, fileName: form.fields.file_name, fileType: form.fields.file_type! });
    return { code: 0, msg: 'success', data: { file_key: key } };
  });

  app.patch('/open-apis/im/v1/messages/:id', async (req, reply) => {
    const bad = checkAuth(req, reply) ?? fail(reply);
    if (bad) return bad;
    const id = (req.params as { id: string }).id;
    const m = messages.get(id);
    if (!m) return err(reply, 400, 230011, 'message not found or withdrawn');
    if (m.msgType !== 'interactive') return err(reply, 400, 230001, 'only interactive messages can be patched');
    let card: any;
    try {
      card = JSON.parse((req.body as any)?.content);
    } catch {
      return err(reply, 400, 230001, 'content is not JSON');
    }
    if (!m.content.config?.update_multi || !card.config?.update_multi) return err(reply, 400, 230099, 'update_multi required');
    const problem = cardProblem(card);
    if (problem) return err(reply, 400, 230099, `card content invalid: ${problem}`);
    m.patches.push(card);
    return { code: 0, msg: 'success', data: {} };
  });

  /** 获取授权码: back to redirect_uri with a code (5 minutes, once) and the caller's state. */
  app.get('/open-apis/authen/v1/authorize', async (req, reply) => {
    const q = req.query as Record<string, string>;
    if (q.client_id !== opts.appId) return reply.code(400).type('text/html').send('client_id 错误 (20029)');
    return backWithCode(reply, q, {
      signedIn: !!signInAs,
      notSignedIn: '未登录飞书',
      issue: (code) => codes.set(code, { who: signInAs!, redirectUri: q.redirect_uri!, used: false }),
    });
  });

  /** authen/v2/oauth/token, grant_type authorization_code: errors are HTTP 400 with code/error/error_description. */
  app.post('/open-apis/authen/v2/oauth/token', async (req, reply) => {
    const f = signInFailures.shift();
    if (f === 'hang') await new Promise<void>((r) => hangs.add(r));
    if (f === 'http_500_code') return reply.code(500).send({ code: 20050, error: 'server_error', error_description: 'internal error' });
    const b = req.body as any;
    const oauthErr = (code: number, error: string, description: string) => reply.code(400).send({ code, error, error_description: description });
    if (b?.grant_type !== 'authorization_code') return oauthErr(20001, 'invalid_request', 'grant_type');
    if (b.client_id !== opts.appId || b.client_secret !== opts.appSecret) return oauthErr(20002, 'invalid_client', 'client_id or client_secret');
    const c = codes.get(String(b.code ?? ''));
    if (!c || c.used) return oauthErr(20003, 'invalid_grant', 'The authorization code is not found or used');
    if (b.redirect_uri !== c.redirectUri) return oauthErr(20071, 'invalid_grant', 'redirect_uri does not match');
    c.used = true;
    const token = `eyJ${randomBytes(24).toString('hex')}`;
    userTokens.set(token, c.who);
    return { code: 0, access_token: token, expires_in: 7200, token_type: 'Bearer', scope: '' };
  });

  /** authen/v1/user_info with the user_access_token. */
  app.get('/open-apis/authen/v1/user_info', async (req, reply) => {
    const m = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''));
    const who = m ? userTokens.get(m[1]!) : undefined;
    if (!who) return err(reply, 400, 99991668, 'Invalid access token for authorization.');
    return { code: 0, msg: 'success', data: { name: who.name ?? feishuName(who.openId), open_id: who.openId, union_id: `on_${who.openId.slice(3)}`, tenant_key: who.tenantKey } };
  });

  app.get('/open-apis/contact/v3/users/:id', async (req, reply) => {
    const bad = checkAuth(req, reply);
    if (bad) return bad;
    const id = (req.params as { id: string }).id;
    return { code: 0, msg: 'success', data: { user: { open_id: id, name: feishuName(id) } } };
  });

  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    baseUrl,
    received,
    messages,
    /** Message sends hang (no answer) until `release()` is called. */
    hang() {
      let release = () => {};
      const promise = new Promise<void>((r) => (release = r));
      hanging = { promise, release };
      return () => {
        hanging = undefined;
        release();
      };
    },
    creates: () => received.filter((r) => r.method === 'POST' && r.path === '/open-apis/im/v1/messages'),
    /** Files that reached someone: a file message whose file_key was uploaded. */
    files: () =>
      [...messages.values()].filter((m) => m.msgType === 'file').map((m) => ({ to: m.receiveId, ...uploads.get(String(m.content.file_key))! })),
    patches: () => received.filter((r) => r.method === 'PATCH'),
    tokenCalls: () => tokenCalls,
    failNext: (kind: FeishuFail, n = 1) => (failures = [...failures, ...Array<FeishuFail>(n).fill(kind)]),
    /** The next `n` message creates are stored, then answered only after `ms`. */
    slowNext: (ms: number, n = 1) => slow.push(...Array<number>(n).fill(ms)),
    /** Every message create hangs (after storing) until `release()`: the Feishu API stalls. */
    hangSends() {
      hang = new Promise<void>((r) => (release = () => ((hang = undefined), r())));
    },
    release: () => release(),
    expireTokens: () => tokens.clear(),
    /** Who the authorize page signs in from now on (undefined: nobody is logged in to Feishu). */
    signInAs: (who: { openId: string; tenantKey: string; name?: string } | undefined) => void (signInAs = who),
    /** The next `n` oauth/token calls fail this way ('hang': answered only at close). */
    failSignInNext: (kind: FeishuSignInFail, n = 1) => void (signInFailures = [...signInFailures, ...Array<FeishuSignInFail>(n).fill(kind)]),
    signInExchanges: () => received.filter((r) => r.path === '/open-apis/authen/v2/oauth/token'),
    close: () => {
      for (const r of hangs) r();
      release();
      return app.close();
    },
  };
}

export type FakeFeishu = Awaited<ReturnType<typeof startFakeFeishu>>;

/** The name the fake directory gives a user: 飞书 and the last four characters of the open id. */
export const feishuName = (openId: string) => `飞书${openId.slice(-4)}`;
