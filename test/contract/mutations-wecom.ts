// WeCom's mutation generator for test/contract/mutations.security.test.ts (POST /bots/wecom/callback): 10,000
// deterministic mutations of a few valid signed callbacks
// (a `/新客户` text message and a card click). Every mutation must be refused with a 4xx — never a 2xx, never a
// 5xx — and leave no row behind; afterwards an unmutated callback still works.
//
// Only mutations that a party without the callback token could produce, or that must be refused even when
// re-signed (stale/non-numeric timestamps, broken ciphertext, XXE, oversized bodies) are generated. Changes the
// route rightly ignores (upper-case hex in msg_signature, whitespace around the CDATA value that the XML parser
// trims, unknown extra envelope elements, a different Content-Type alone, and the CDATA keyword itself — fast-xml-parser
// only checks `<![` and skips the next six characters, so `<![CDATB[` or `<![CDATA>` parse to the same, still
// signature-checked, Encrypt value) are not mutations of the request's meaning and are left out on purpose.
import { getSignature } from '@wecom/crypto';
import { TEST_WECOM, cardClickXml, signedCallback, textXml } from '../bots/wecom/sign.js';
import { flipBit, generateMutations, injectWire, prng, replaceChar, type Rng, type WireRequest } from '../faults/harness.js';
import type { FuzzCase, Fuzzer } from './fuzzer.js';

const SEED = 0x5eed_c0de;

interface Base {
  name: string;
  signature: string;
  timestamp: string;
  nonce: string;
  encrypted: string;
  body: Buffer;
  headers: Record<string, string>;
}

interface Mutation {
  label: string;
  wire: WireRequest;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const HEX = '0123456789abcdef';

function toBase(name: string, req: ReturnType<typeof signedCallback>): Base {
  const encrypted = /<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/.exec(req.body.toString())![1]!;
  return {
    name,
    signature: req.query.msg_signature!,
    timestamp: req.query.timestamp!,
    nonce: req.query.nonce!,
    encrypted,
    body: req.body,
    headers: { ...(req.headers as Record<string, string>) },
  };
}

const envelope = (encrypted: string, o: { to?: string; agent?: string } = {}) =>
  `<xml><ToUserName><![CDATA[${o.to ?? TEST_WECOM.corpId}]]></ToUserName><AgentID><![CDATA[${o.agent ?? TEST_WECOM.agentId}]]></AgentID><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;

const qs = (p: Array<[string, string]>) => p.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

const sign = (timestamp: string, nonce: string, encrypted: string) => getSignature(TEST_WECOM.token, timestamp, nonce, encrypted);

/** A request built from parts; anything not given is the base's. */
function wire(b: Base, o: { sig?: string; ts?: string; nonce?: string; body?: Buffer | string; headers?: Record<string, string>; query?: string }): WireRequest {
  const query = o.query ?? qs([['msg_signature', o.sig ?? b.signature], ['timestamp', o.ts ?? b.timestamp], ['nonce', o.nonce ?? b.nonce]]);
  const body = o.body === undefined ? b.body : typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
  return { query, headers: o.headers ?? b.headers, body };
}

const nowSec = () => Math.floor(Date.now() / 1000);

// ————— mutation classes —————

function mutSignature(rng: Rng, b: Base): Mutation {
  const kind = rng.int(8);
  let sig: string;
  if (kind === 0) sig = flipBit(rng, b.signature, true);
  else if (kind === 1) sig = replaceChar(rng, b.signature, HEX, true);
  else if (kind === 2) sig = b.signature.slice(0, rng.int(b.signature.length));
  else if (kind === 3) sig = b.signature + rng.pick(['0', 'a', 'ff', ' ', '%00']);
  else if (kind === 4) sig = Array.from({ length: 40 }, () => rng.pick([...HEX])).join('');
  else if (kind === 5) sig = sign(b.timestamp, b.nonce, b.encrypted.slice(1)); // signature of something else
  else if (kind === 6) sig = rng.pick(['', '0'.repeat(40), 'z'.repeat(40), b.signature.split('').reverse().join(''), `${b.signature.slice(1)}0`]);
  else sig = getSignature(`${TEST_WECOM.token}x`, b.timestamp, b.nonce, b.encrypted); // wrong token
  return { label: `signature#${kind}`, wire: wire(b, { sig }) };
}

function mutCiphertext(rng: Rng, b: Base): Mutation {
  const kind = rng.int(10);
  const raw = Buffer.from(b.encrypted, 'base64');
  const reb = (buf: Buffer) => buf.toString('base64');
  const blocks = raw.length / 16;
  let enc: string;
  let resign = false;
  switch (kind) {
    case 0: // a base64 char replaced by another, signature kept
      enc = replaceChar(rng, b.encrypted.replace(/=+$/, ''), B64) + (b.encrypted.match(/=+$/)?.[0] ?? '');
      break;
    case 1: // one bit of one ciphertext byte flipped, signature kept
      {
        const c = Buffer.from(raw);
        c[rng.int(c.length)]! ^= 1 << rng.int(8);
        enc = reb(c);
      }
      break;
    case 2: // flipped char anywhere (may break base64), signature kept
      enc = flipBit(rng, b.encrypted, false);
      break;
    case 3: // re-signed: flipped byte in the first block garbles the msg_len field of the plaintext
      {
        const c = Buffer.from(raw);
        c[rng.int(4)]! ^= 1 + rng.int(255);
        enc = reb(c);
        resign = true;
      }
      break;
    case 4: // re-signed: flipped byte in the second-to-last block garbles the receive id or the PKCS#7 padding
      {
        const c = Buffer.from(raw);
        c[(blocks - 2) * 16 + rng.int(16)]! ^= 1 + rng.int(255);
        enc = reb(c);
        resign = true;
      }
      break;
    case 5: // re-signed: truncated to a length that is not a whole number of AES blocks
      {
        let n = 1 + rng.int(raw.length - 1);
        if (n % 32 === 0) n -= 1;
        enc = reb(raw.subarray(0, n));
        resign = true;
      }
      break;
    case 6: // re-signed: whole 32-byte blocks dropped from the end
      enc = reb(raw.subarray(0, raw.length - 32 * (1 + rng.int(Math.max(1, raw.length / 32 - 1)))));
      resign = true;
      break;
    case 7: // re-signed: non-base64 characters or inner whitespace
      {
        const i = 1 + rng.int(b.encrypted.length - 2);
        enc = b.encrypted.slice(0, i) + rng.pick(['!', '-', '_', '*', ' ', '\n', '\t', '.', '%', '"', '中']) + b.encrypted.slice(i);
        resign = true;
      }
      break;
    case 8: // signature kept: ciphertext replaced by another valid ciphertext (a replayed signature)
      enc = signedCallback(textXml('mallory', '/新客户 冒名厂 13000000000')).body.toString().match(/<Encrypt><!\[CDATA\[(.*?)\]\]>/)![1]!;
      break;
    default: // empty / tiny / padding-only
      enc = rng.pick(['', '=', '==', 'AAAA', 'A'.repeat(44), reb(Buffer.alloc(32)), reb(Buffer.alloc(32, 16))]);
      resign = rng.next() < 0.5;
  }
  const sig = resign ? sign(b.timestamp, b.nonce, enc) : b.signature;
  return { label: `ciphertext#${kind}${resign ? '+resigned' : ''}`, wire: wire(b, { sig, body: envelope(enc) }) };
}

function mutTimestamp(rng: Rng, b: Base): Mutation {
  const kind = rng.int(4);
  let ts: string;
  if (kind === 0) ts = String(nowSec() - 301 - rng.int(10_000_000)); // stale
  else if (kind === 1) ts = String(nowSec() + 301 + rng.int(10_000_000)); // future
  else if (kind === 2) ts = String(Date.now() + rng.int(1000)); // milliseconds, not seconds
  else {
    const t = b.timestamp;
    ts = rng.pick([
      '', 'abc', 'NaN', 'Infinity', '-1', `-${t}`, `+${t}`, ` ${t}`, `${t} `, `${t}\n`, `${t}.0`, `${t}e0`, '1.7e9',
      `0x${Number(t).toString(16)}`, t.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d))), `${t}abc`, '9'.repeat(13), '0'.repeat(13),
      t.slice(0, 5), `${t}${t}`, '\u0000', 'null', 'undefined', '[]', '{}',
    ]);
  }
  const resign = rng.next() < 0.7; // re-signed so the timestamp check itself must refuse it
  const sig = resign ? sign(ts, b.nonce, b.encrypted) : b.signature;
  return { label: `timestamp#${kind}${resign ? '+resigned' : ''}`, wire: wire(b, { ts, sig }) };
}

function mutNonce(rng: Rng, b: Base): Mutation {
  const kind = rng.int(4);
  let nonce: string;
  if (kind === 0) nonce = replaceChar(rng, b.nonce, 'abcdefghijklmnopqrstuvwxyz0123456789');
  else if (kind === 1) nonce = `${b.nonce}${rng.pick(['0', 'x', ' ', '\u00e9'])}`;
  else if (kind === 2) nonce = rng.pick(['', 'nonce', '0', b.nonce.toUpperCase() === b.nonce ? `${b.nonce}!` : b.nonce.toUpperCase()]);
  else nonce = b.nonce.slice(1);
  return { label: `nonce#${kind}`, wire: wire(b, { nonce }) };
}

function mutXml(rng: Rng, b: Base): Mutation {
  const s = b.body.toString();
  const enc = b.encrypted;
  const kind = rng.int(14);
  let body: string;
  switch (kind) {
    case 0: // any strict prefix
      body = s.slice(0, rng.int(s.length));
      break;
    case 1: // closing root tag removed
      body = s.replace('</xml>', '');
      break;
    case 2: // Encrypt closing tag removed
      body = s.replace('</Encrypt>', '');
      break;
    case 3: // Encrypt duplicated (array after parsing)
      body = s.replace('</xml>', `<Encrypt><![CDATA[${enc}]]></Encrypt></xml>`);
      break;
    case 4: // ToUserName duplicated
      body = s.replace('<AgentID>', `<ToUserName><![CDATA[${TEST_WECOM.corpId}]]></ToUserName><AgentID>`);
      break;
    case 5: // root renamed
      body = s.replace(/^<xml>/, '<xmL>').replace(/<\/xml>$/, '</xmL>');
      break;
    case 6: // mismatched tag names
      body = s.replace('</Encrypt>', '</Encrypted>');
      break;
    case 7: // Encrypt missing / empty / nested / as attribute
      body = rng.pick([
        envelope('').replace('<Encrypt><![CDATA[]]></Encrypt>', ''),
        envelope(''),
        s.replace(`<Encrypt><![CDATA[${enc}]]></Encrypt>`, `<Encrypt><Inner><![CDATA[${enc}]]></Inner></Encrypt>`),
        s.replace(`<Encrypt><![CDATA[${enc}]]></Encrypt>`, `<Encrypt value="${enc}"/>`),
      ]);
      break;
    case 8: // CDATA broken
      // (Not `<![CDATB[`: fast-xml-parser only looks at `<![` and skips the keyword, so that parses unchanged.)
      body = rng.pick([s.replace(']]></Encrypt>', '</Encrypt>'), s.replace(`[${enc}]]>`, `[${enc}]>`), s.replace(`<![CDATA[${enc}`, `<!CDATA[${enc}`)]);
      break;
    case 9: // not XML at all
      body = rng.pick([
        JSON.stringify({ ToUserName: TEST_WECOM.corpId, AgentID: String(TEST_WECOM.agentId), Encrypt: enc }),
        `ToUserName=${TEST_WECOM.corpId}&Encrypt=${encodeURIComponent(enc)}`,
        enc,
        '<',
        '<xml',
        '<xml/>',
        '<xml></xml>',
        '<?xml version="1.0"?>',
        '\u0000'.repeat(64),
      ]);
      break;
    case 10: // wrapped in another root / a second root
      body = rng.pick([`<root>${s}</root>`, `${s}${s}`, `${s}<xml/>`]);
      break;
    case 11: // a random structural character replaced
      {
        // The '[' that ends `<![CDATA[` is skipped unread by the parser (see case 8), so it is no change.
        const structural = [...s].map((c, i) => ('<>/![]'.includes(c) && !s.slice(0, i + 1).endsWith('<![CDATA[') ? i : -1)).filter((i) => i >= 0);
        const i = rng.pick(structural);
        body = s.slice(0, i) + rng.pick(['x', '<', '>', '"', '&']) + s.slice(i + 1);
        if (body === s) body = s.slice(0, i) + 'x' + s.slice(i + 1);
      }
      break;
    case 12: // the envelope addressed elsewhere (ToUserName / AgentID), valid signature
      body = rng.pick([envelope(enc, { to: 'wwOTHERCORP' }), envelope(enc, { to: '' }), envelope(enc, { agent: '1000003' }), envelope(enc, { agent: 'x' })]);
      break;
    default: // random bytes
      body = Buffer.from(Array.from({ length: 1 + rng.int(2000) }, () => rng.int(256))).toString('latin1');
  }
  if (body === s) body = s.slice(0, -1);
  return { label: `xml#${kind}`, wire: wire(b, { body: Buffer.from(body, kind === 13 ? 'latin1' : 'utf8') }) };
}

function mutXxe(rng: Rng, b: Base): Mutation {
  const s = b.body.toString();
  const enc = b.encrypted;
  const kind = rng.int(8);
  const body = [
    `<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><ToUserName><![CDATA[${TEST_WECOM.corpId}]]></ToUserName><Encrypt>&e;</Encrypt></xml>`,
    `<!DOCTYPE xml>${s}`, // a valid, correctly signed envelope behind a DOCTYPE
    `<?xml version="1.0"?>\n<!doctype xml [<!ENTITY x "${enc}">]><xml><ToUserName><![CDATA[${TEST_WECOM.corpId}]]></ToUserName><Encrypt>&x;</Encrypt></xml>`,
    `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><Encrypt>&lol3;</Encrypt></xml>`,
    `<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]>${s}`,
    s.replace('<xml>', '<xml><!ENTITY e "x">'),
    `<!DOCTYPE xml SYSTEM "http://127.0.0.1:1/x.dtd">${s}`,
    `<!DoCtYpE xml [<!ENTITY e SYSTEM "file:///dev/random">]>${s.replace(enc, '&e;')}`,
  ][kind]!;
  return { label: `xxe#${kind}`, wire: wire(b, { body }) };
}

// Oversized bodies are built once and shared: they are big.
let big: { over64: Buffer[]; over256: Buffer[] } | undefined;
function mutOversized(rng: Rng, b: Base): Mutation {
  big ??= {
    // A valid, correctly signed envelope padded past 64 KB with XML-legal whitespace, and plain filler.
    over64: [Buffer.concat([b.body, Buffer.alloc(64 * 1024 + 1 - b.body.length, ' ')]), Buffer.alloc(64 * 1024 + 1, 'a'), Buffer.alloc(200 * 1024, '<')],
    over256: [Buffer.alloc(256 * 1024 + 1, 'a'), Buffer.concat([b.body, Buffer.alloc(300 * 1024, ' ')]), Buffer.alloc(1024 * 1024 + 10, 'x')],
  };
  const over256 = rng.next() < 0.4;
  const body = rng.pick(over256 ? big.over256 : big.over64);
  return { label: `oversized${over256 ? '>256K' : '>64K'}`, wire: wire(b, { body }) };
}

function mutQuery(rng: Rng, b: Base): Mutation {
  const p: Array<[string, string]> = [['msg_signature', b.signature], ['timestamp', b.timestamp], ['nonce', b.nonce]];
  const kind = rng.int(6);
  let query: string;
  const victim = rng.int(3);
  if (kind === 0) query = qs(p.filter((_, i) => i !== victim)); // one missing
  else if (kind === 1) query = rng.pick(['', qs([p[0]!]), qs([p[1]!]), 'msg_signature=&timestamp=&nonce=']); // most missing / empty
  else if (kind === 2) query = qs(p.map(([k, v]) => [rng.pick(['signature', 'msgSignature', 'MSG_SIGNATURE', k === 'nonce' ? 'Nonce' : 'sig']), v] as [string, string])); // wrong names
  else if (kind === 3) query = qs(p.map(([k, v], i) => (i === victim ? [k, ''] : [k, v]))); // one empty value
  else if (kind === 4) query = qs([...p.filter(([k]) => k !== 'timestamp'), ['timestamp', String(nowSec() - 3600)], ['echostr', 'abc']]); // stale + junk
  else query = p.map(([k, v]) => `${k}=${v}`).join('&').replace(/=/, rng.pick(['%3D', '==', '=%zz'])); // broken encoding of the first pair
  return { label: `query#${kind}`, wire: wire(b, { query }) };
}

/** Duplicated query parameters (`?msg_signature=a&msg_signature=b`): fastify hands the route an array. */
function duplicatedParam(rng: Rng, b: Base, which: 'msg_signature' | 'timestamp' | 'nonce'): Mutation {
  const p: Array<[string, string]> = [['msg_signature', b.signature], ['timestamp', b.timestamp], ['nonce', b.nonce]];
  const extra: [string, string] = [which, rng.pick(['0', 'x', b[which === 'msg_signature' ? 'signature' : which]])];
  return { label: `duplicated-${which}`, wire: wire(b, { query: qs([...p, extra]) }) };
}

const CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'application/octet-stream', 'text/xml; charset=utf-16', '', 'garbage'];

/** A wrong or missing Content-Type, stacked on a mutation that must fail (the header alone is not signed). */
function mutContentType(rng: Rng, b: Base): Mutation {
  const inner = rng.pick([mutSignature, mutTimestamp, mutNonce, mutXml, mutCiphertext])(rng, b);
  const ct = rng.pick(CONTENT_TYPES);
  const headers: Record<string, string> = ct === '' ? {} : { 'content-type': ct };
  return { label: `content-type(${ct || 'none'})+${inner.label}`, wire: { ...inner.wire, headers } };
}

function mutEmpty(rng: Rng, b: Base): Mutation {
  const headers = rng.pick([b.headers, {}, { 'content-type': 'text/xml' }, { 'content-type': 'application/json' }]);
  const body = rng.pick([Buffer.alloc(0), Buffer.from(' '), Buffer.from('\n\n'), Buffer.from('\u0000')]);
  return { label: 'empty-body', wire: wire(b, { body, headers }) };
}

/** Two or three mutations stacked: the later query/body replaces the earlier one's part. */
function mutStacked(rng: Rng, b: Base): Mutation {
  const a = rng.pick([mutSignature, mutNonce, mutTimestamp, mutQuery])(rng, b);
  const c = rng.pick([mutCiphertext, mutXml, mutXxe, mutEmpty])(rng, b);
  return { label: `stacked(${a.label}|${c.label})`, wire: { query: a.wire.query, headers: c.wire.headers, body: c.wire.body } };
}

const CLASSES: Array<[number, (rng: Rng, b: Base) => Mutation]> = [
  [14, mutSignature],
  [18, mutCiphertext],
  [12, mutTimestamp],
  [8, mutNonce],
  [16, mutXml],
  [6, mutXxe],
  [3, mutOversized],
  [8, mutQuery],
  [6, mutContentType],
  [3, mutEmpty],
  [6, mutStacked],
];

let bases: Base[] = [];
const send = (w: WireRequest): FuzzCase => ({
  label: 'pristine',
  send: (app) => injectWire(app, w),
  describe: () => `query=${w.query.slice(0, 160)} | body=${w.body.subarray(0, 160).toString()}`,
});
const asCase = (m: Mutation): FuzzCase => ({ ...send(m.wire), label: m.label });

export const wecomFuzzer: Fuzzer = {
  timeoutMs: 120_000,
  prepare() {
    bases = [
      toBase('text', signedCallback(textXml('fuzzer', '/新客户 变异测试阀门厂 13800000001 宁波 阀门', '8800000000000000001'))),
      toBase('text2', signedCallback(textXml('fuzzer2', '/新客户 变异测试泵业 13800000002 温州 水泵', '8800000000000000002'))),
      toBase('card', signedCallback(cardClickXml('fuzzer', JSON.stringify({ a: 'approve', id: 'A-1' }), 'crm-approval-fuzz'))),
    ];
  },
  mutations: (total) => generateMutations(prng(SEED), bases, CLASSES, total).map(asCase),
  // The pristine callback, rebuilt from its parts: its mutants never consumed it.
  pristine: () => {
    const text = bases[0]!;
    return send({ query: qs([['msg_signature', text.signature], ['timestamp', text.timestamp], ['nonce', text.nonce]]), headers: text.headers, body: text.body });
  },
  duplicatedLabel: 'duplicated query parameters (?msg_signature=a&msg_signature=b)',
  duplicated() {
    const rng = prng(SEED + 1);
    return bases.flatMap((b) => (['msg_signature', 'timestamp', 'nonce'] as const).map((which) => {
      const m = duplicatedParam(rng, b, which);
      return { ...asCase(m), label: `${b.name}:${m.label}` };
    }));
  },
  own: [],
};
