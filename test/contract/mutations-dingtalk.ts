// DingTalk's mutation generator for test/contract/mutations.security.test.ts (POST /bots/dingtalk/callback): 10,000
// deterministic mutations of a few valid signed robot
// callbacks (two `/新客户` text messages and a `/批准` command). Every mutation must be refused with a 4xx — never a
// 2xx, never a 5xx — and leave no row behind; afterwards an unmutated callback still works.
//
// DingTalk's `sign` is base64(HMAC-SHA256(appSecret, timestamp + "\n" + appSecret)): it covers ONLY the timestamp
// header, never the body. A pair is bound to the msgId it first carried (bots/dingtalk/verify.ts SignLedger, ±2 min;
// the last test below), but a changed body keeping that msgId is a retry by this protocol's rules and is deduplicated.
// Such "valid sign + different well-formed body" requests are therefore NOT in the random must-refuse set: no random byte flips inside the
// JSON (they can change a string and stay well-formed), no extra unknown fields, no other msgId / text / msgtype /
// missing senderStaffId (the last two are well-formed and answered 200 with no effect), and no empty robotCode
// (the route only compares a non-empty one). What IS generated with a valid sign: bodies that are not JSON, not an
// object, or miss / mistype a required field (must be 400), a wrong non-empty robotCode (401), oversized (413).
// A different Content-Type alone is no change (the route reads raw bytes); it is stacked on failing mutations.
import { expect } from 'vitest';
import { dingtalkSign } from '../../bots/dingtalk/verify.js';
import { TEST_DINGTALK, robotMessage } from '../bots/dingtalk/sign.js';
import { DINGTALK_PATH, counts, flipBit, generateMutations, injectAt, prng, replaceChar, structuralIndices, type HeaderWire, type Rng } from '../faults/harness.js';
import type { FuzzCase, Fuzzer } from './fuzzer.js';

const SEED = 0xd1a6_0001;
const SECRET = TEST_DINGTALK.clientSecret;

interface Base {
  name: string;
  message: Record<string, unknown>;
  body: string;
  ts: string;
  sign: string;
}

interface Mutation {
  label: string;
  wire: HeaderWire;
  /** Statuses this mutation must get; any 4xx when not given. */
  expect?: number[];
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const sign = (ts: string, secret = SECRET) => dingtalkSign(ts, secret);

function makeBase(name: string, message: Record<string, unknown>): Base {
  const ts = String(Date.now());
  return { name, message, body: JSON.stringify(message), ts, sign: sign(ts) };
}

/** A request from parts; anything not given is the base's. `null` drops the header. */
function wire(b: Base, o: { ts?: string | null; sign?: string | null; body?: string | Buffer; contentType?: string | null; extra?: Record<string, string | string[]> } = {}): HeaderWire {
  const headers: Record<string, string | string[]> = {};
  const ct = o.contentType === undefined ? 'application/json' : o.contentType;
  if (ct !== null) headers['content-type'] = ct;
  const ts = o.ts === undefined ? b.ts : o.ts;
  const sg = o.sign === undefined ? b.sign : o.sign;
  if (ts !== null) headers.timestamp = ts;
  if (sg !== null) headers.sign = sg;
  Object.assign(headers, o.extra ?? {});
  const body = o.body === undefined ? Buffer.from(b.body) : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body);
  return { headers, body };
}

// ————— mutation classes —————

function mutSign(rng: Rng, b: Base): Mutation {
  const kind = rng.int(9);
  let sg: string;
  if (kind === 0) sg = flipBit(rng, b.sign);
  else if (kind === 1) sg = replaceChar(rng, b.sign.replace(/=+$/, ''), B64) + (b.sign.match(/=+$/)?.[0] ?? '');
  else if (kind === 2) sg = b.sign.slice(0, rng.int(b.sign.length));
  else if (kind === 3) sg = b.sign + rng.pick(['0', 'A', '=', '==', b.sign]);
  else if (kind === 4) sg = Buffer.from(Array.from({ length: 32 }, () => rng.int(256))).toString('base64');
  else if (kind === 5) sg = sign(String(Number(b.ts) - 1 - rng.int(1000))); // the sign of another timestamp
  else if (kind === 6) sg = sign(b.ts, `${SECRET}x`); // wrong secret
  else if (kind === 7) sg = rng.pick([encodeURIComponent(b.sign), Buffer.from(b.sign, 'base64').toString('hex'), b.sign.replace(/=+$/, ''), b.sign.toLowerCase(), b.sign.toUpperCase(), `${b.sign}\t`]);
  else sg = Buffer.from(b.sign, 'base64').toString('base64url');
  if (sg === b.sign) sg = `${b.sign}A`;
  return { label: `sign#${kind}`, wire: wire(b, { sign: sg }), expect: [401] };
}

function mutTimestamp(rng: Rng, b: Base): Mutation {
  const kind = rng.int(4);
  let ts: string;
  if (kind === 0) ts = String(Date.now() - 600_001 - rng.int(1_000_000_000)); // stale (window is 10 minutes)
  else if (kind === 1) ts = String(Date.now() + 600_001 + rng.int(1_000_000_000)); // future
  else if (kind === 2) ts = String(Math.floor(Date.now() / 1000) - rng.int(100)); // seconds, not milliseconds
  else {
    const t = b.ts;
    ts = rng.pick([
      '', 'abc', 'NaN', 'Infinity', '-1', `-${t}`, `+${t}`, ` ${t}`, `${t} `, `${t}.0`, `${t}e0`, '1.7e12', `0x${Number(t).toString(16)}`,
      t.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d))), `${t}abc`, '9'.repeat(14), '0'.repeat(13), t.slice(0, 5), `${t}${t}`,
      'null', 'undefined', '[]', '{}', `${t}, ${t}`, `${t}000`,
    ]);
  }
  // Re-signed so the timestamp check itself must refuse it; whitespace-padded values only re-signed (an HTTP
  // stack may trim them, which is no change when the sign is kept).
  const resign = /^\s|\s$/.test(ts) || rng.next() < 0.7;
  return { label: `timestamp#${kind}${resign ? '+resigned' : ''}`, wire: wire(b, { ts, sign: resign ? sign(ts) : b.sign }), expect: [401] };
}

/** Malformed bodies behind a VALID (timestamp, sign): must be 400. */
function mutMalformed(rng: Rng, b: Base): Mutation {
  const s = b.body;
  const m = b.message;
  const kind = rng.int(12);
  let body: string;
  const withField = (k: string, v: unknown) => JSON.stringify({ ...m, [k]: v });
  const without = (k: string) => JSON.stringify(Object.fromEntries(Object.entries(m).filter(([x]) => x !== k)));
  switch (kind) {
    case 0: // any strict prefix
      body = s.slice(0, 1 + rng.int(s.length - 1));
      break;
    case 1: // a structural character replaced
      {
        const i = rng.pick(structuralIndices(s));
        body = s.slice(0, i) + rng.pick(["'", 'x', ';', '=', '(']) + s.slice(i + 1);
      }
      break;
    case 2: // arrays / scalars at the top
      body = rng.pick([`[${s}]`, '[]', 'null', 'true', '0', '""', `"${s.replace(/"/g, '\\"')}"`, '1e999', `[${s},${s}]`]);
      break;
    case 3: // a required field missing
      body = without(rng.pick(['msgId', 'msgtype', 'conversationType', 'conversationId']));
      break;
    case 4: // a required field of the wrong type or out of range
      {
        const k = rng.pick(['msgId', 'msgtype', 'conversationType', 'conversationId']);
        body = withField(k, rng.pick([null, 1, true, [], {}, ['x'], { a: 1 }, k === 'msgtype' ? 2 : '', k === 'conversationType' ? '3' : 'x'.repeat(257)]));
        if (k === 'msgtype' && body === withField(k, 'x'.repeat(257))) body = withField(k, 7);
      }
      break;
    case 5: // optional fields of the wrong type / too long
      body = rng.pick([
        withField('text', rng.pick([null, 'x', 5, [], { content: 5 }, { content: null }, { content: ['/新客户'] }, { content: 'x'.repeat(20_001) }])),
        withField('senderStaffId', rng.pick([5, null, ['staff'], 'x'.repeat(129)])),
        withField('senderNick', rng.pick([5, {}, 'x'.repeat(129)])),
        withField('chatbotCorpId', rng.pick([5, [], 'x'.repeat(129)])),
        withField('atUsers', rng.pick(['x', 5, {}, [5], [null], [{ staffId: 5 }]])),
        withField('robotCode', rng.pick([5, null, [TEST_DINGTALK.robotCode], { c: 1 }, 'x'.repeat(129)])),
      ]);
      break;
    case 6: // huge numbers
      body = rng.pick([withField('msgId', 1e308).replace('1e+308', '1e999'), `{"msgId":${'9'.repeat(5000)}}`, withField('conversationType', 1), `${'9'.repeat(60_000)}`, s.replace(/"msgId":"[^"]*"/, `"msgId":-${'1'.repeat(400)}.5e-999`)]);
      break;
    case 7: // deep nesting
      {
        const depth = 1000 + rng.int(20_000);
        body = rng.pick([
          `${'['.repeat(depth)}${']'.repeat(depth)}`,
          `${'{"a":'.repeat(Math.floor(depth / 5))}${s}${'}'.repeat(Math.floor(depth / 5))}`,
          s.replace(/"msgId":"[^"]*"/, `"msgId":${'['.repeat(depth)}"x"${']'.repeat(depth)}`),
        ]);
      }
      break;
    case 8: // nested garbage: the message moved under another key, or its fields nested one level too deep
      body = rng.pick([`{"data":${s}}`, `{"message":${s}}`, JSON.stringify({ msgId: m, msgtype: m, conversationType: m, conversationId: m }), '{}']);
      break;
    case 9: // trailing garbage / two documents
      body = rng.pick([`${s}x`, `${s}${s}`, `${s},`, `${s}}`, `${s}]`, `${s}\u0000`]);
      break;
    case 10: // not JSON
      body = rng.pick([`<xml><msgId>x</msgId></xml>`, 'msgId=x&msgtype=text', `{msgId:"x"}`, s.replace(/"/g, "'"), `${s.slice(0, -1)} /* c */}`, `\uFEFF${s}`, 'NaN', 'undefined']);
      break;
    default: // random bytes
      return { label: 'malformed#11', wire: wire(b, { body: Buffer.from(Array.from({ length: 1 + rng.int(2000) }, () => rng.int(256))) }), expect: [400] };
  }
  return { label: `malformed#${kind}`, wire: wire(b, { body }), expect: [400] };
}

/** A validly signed, well-formed message from another robot: refused by the robotCode check. */
function mutRobotCode(rng: Rng, b: Base): Mutation {
  const code = rng.pick(['dingOTHERROBOT0000', `${TEST_DINGTALK.robotCode}x`, TEST_DINGTALK.robotCode.toUpperCase(), TEST_DINGTALK.robotCode.slice(1), ' ', `${TEST_DINGTALK.robotCode} `]);
  return { label: 'robot-code', wire: wire(b, { body: JSON.stringify({ ...b.message, robotCode: code }) }), expect: [401] };
}

/** A body that would be refused anyway, with a broken sign: the sign is checked first (401). */
function mutUnsignedGarbage(rng: Rng, b: Base): Mutation {
  const inner = mutMalformed(rng, b);
  const sg = rng.pick(['', 'x', sign(b.ts, 'wrong'), flipBit(rng, b.sign)]);
  return { label: `bad-sign+${inner.label}`, wire: { ...inner.wire, headers: { ...inner.wire.headers, sign: sg } }, expect: [401] };
}

let big: { over64: string[]; over256: string[] } | undefined;
function mutOversized(rng: Rng, b: Base): Mutation {
  big ??= {
    // A valid message padded past 64 KB with JSON-legal whitespace, a huge text, and plain filler.
    over64: [`${b.body}${' '.repeat(64 * 1024 + 1 - b.body.length)}`, JSON.stringify({ ...b.message, text: { content: 'x'.repeat(70 * 1024) } }), 'a'.repeat(64 * 1024 + 1)],
    over256: ['a'.repeat(256 * 1024 + 1), `${b.body}${' '.repeat(300 * 1024)}`, 'x'.repeat(1024 * 1024 + 10)],
  };
  const over256 = rng.next() < 0.4;
  const body = rng.pick(over256 ? big.over256 : big.over64);
  return { label: `oversized${over256 ? '>256K' : '>64K'}`, wire: wire(b, { body, ...(rng.next() < 0.3 ? { sign: 'x' } : {}) }), expect: [413] };
}

function mutHeaders(rng: Rng, b: Base): Mutation {
  const kind = rng.int(5);
  const victim = rng.pick(['timestamp', 'sign'] as const);
  const value = victim === 'timestamp' ? b.ts : b.sign;
  switch (kind) {
    case 0:
      return { label: `header-missing(${victim})`, wire: wire(b, { [victim === 'timestamp' ? 'ts' : 'sign']: null }), expect: [401] };
    case 1:
      return { label: 'headers-missing', wire: wire(b, { ts: null, sign: null }), expect: [401] };
    case 2: // sent twice, which arrives as "a, b"
      return { label: `header-duplicated(${victim})`, wire: wire(b, { extra: { [victim]: [value, rng.pick([value, '0', 'x'])] } }), expect: [401] };
    case 3: // misnamed
      {
        const [tsName, signName] = rng.pick([['x-timestamp', 'sign'], ['timestamp', 'signature'], ['timestamp', 'x-sign'], ['ts', 'sig']] as const);
        return { label: `header-misnamed(${tsName},${signName})`, wire: wire(b, { ts: null, sign: null, extra: { [tsName]: b.ts, [signName]: b.sign } }), expect: [401] };
      }
    default:
      return { label: `header-empty(${victim})`, wire: wire(b, { [victim === 'timestamp' ? 'ts' : 'sign']: '' }), expect: [401] };
  }
}

const CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'application/octet-stream', 'text/xml', 'application/json; charset=utf-16', null, 'garbage'];

function mutContentType(rng: Rng, b: Base): Mutation {
  const inner = rng.pick([mutSign, mutTimestamp, mutMalformed, mutRobotCode, mutHeaders])(rng, b);
  const ct = rng.pick(CONTENT_TYPES);
  const headers = { ...inner.wire.headers };
  if (ct === null) delete headers['content-type'];
  else headers['content-type'] = ct;
  // fastify answers 415 to a Content-Type it cannot parse; with none at all the route may see an empty body (400).
  return { label: `content-type(${ct ?? 'none'})+${inner.label}`, wire: { headers, body: inner.wire.body }, ...(inner.expect ? { expect: [...(ct === null ? [400] : []), 415, ...inner.expect] } : {}) };
}

function mutEmpty(rng: Rng, b: Base): Mutation {
  const body = rng.pick(['', ' ', '\n\n', '\u0000', '{}', 'null', '[]']);
  const headers = rng.pick([wire(b).headers, {}, { 'content-type': 'application/json' }]);
  const signed = 'sign' in headers;
  // Empty is refused before the sign (400); other bodies are 400 with the valid sign, 401 without.
  return { label: `empty-body(${JSON.stringify(body)})`, wire: { headers, body: Buffer.from(body) }, expect: body === '' ? [400] : signed ? [400] : [401] };
}

function mutStacked(rng: Rng, b: Base): Mutation {
  const a = rng.pick([mutSign, mutTimestamp, mutHeaders])(rng, b);
  const c = rng.pick([mutMalformed, mutRobotCode, mutEmpty])(rng, b);
  return { label: `stacked(${a.label}|${c.label})`, wire: { headers: { ...a.wire.headers, 'content-type': 'application/json' }, body: c.wire.body } };
}

const CLASSES: Array<[number, (rng: Rng, b: Base) => Mutation]> = [
  [16, mutSign],
  [14, mutTimestamp],
  [24, mutMalformed],
  [5, mutRobotCode],
  [6, mutUnsignedGarbage],
  [3, mutOversized],
  [8, mutHeaders],
  [6, mutContentType],
  [3, mutEmpty],
  [5, mutStacked],
];

let bases: Base[] = [];
const send = (w: HeaderWire, label = 'pristine', expectStatus?: number[]): FuzzCase => ({
  label,
  ...(expectStatus ? { expect: expectStatus } : {}),
  send: (app) => injectAt(app, DINGTALK_PATH, w),
  describe: () => `headers=${JSON.stringify(w.headers).slice(0, 300)} | body=${w.body.subarray(0, 160).toString()}`,
});

export const dingtalkFuzzer: Fuzzer = {
  timeoutMs: 180_000,
  prepare() {
    bases = [
      makeBase('text', robotMessage('fuzzer', '/新客户 变异测试阀门厂 13800000001 宁波 阀门', { msgId: 'msgFuzzText1' })),
      makeBase('text2', robotMessage('fuzzer2', '/新客户 变异测试泵业 13800000002 温州 水泵', { msgId: 'msgFuzzText2', group: 'cid_group_fuzz' })),
      makeBase('approve', robotMessage('fuzzer', '/批准 A-1', { msgId: 'msgFuzzApprove1' })),
    ];
  },
  mutations: (total) => generateMutations(prng(SEED), bases, CLASSES, total).map((m) => send(m.wire, m.label, m.expect)),
  pristine: () => send(wire(bases[0]!)),
  duplicatedLabel: 'a signature header sent twice with the same valid value',
  duplicated() {
    const b = bases[1]!;
    return ([['timestamp', b.ts], ['sign', b.sign]] as const).map(([name, value]) => send(wire(b, { extra: { [name]: [value, value] } }), name));
  },
  duplicatedExact: ['timestamp → 401', 'sign → 401'],
  own: [
    [
      'a still-valid (timestamp, sign) pair with a different well-formed body is refused: the pair belongs to its first msgId',
      async (app, db) => {
        const b = makeBase('replayed', robotMessage('fuzzer2', '/帮助', { msgId: 'msgFuzzFirstCarrier' }));
        expect((await injectAt(app, DINGTALK_PATH, wire(b))).statusCode).toBe(200);
        await app.settle();
        const before = await counts(db);
        const other = robotMessage('fuzzer2', '/新客户 签名不含正文泵业 13800000009', { msgId: 'msgFuzzReplayedSign' });
        const res = await injectAt(app, DINGTALK_PATH, wire(b, { body: JSON.stringify(other) }));
        expect(res.statusCode).toBe(401);
        expect(await counts(db)).toEqual(before);
      },
    ],
  ],
};
