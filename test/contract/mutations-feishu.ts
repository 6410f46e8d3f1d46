// Feishu's mutation generator for test/contract/mutations.security.test.ts (POST /bots/feishu/events): 10,000
// deterministic mutations of a few valid signed, encrypted
// events (two `/新客户` text messages and a card click). Every mutation must be refused with a 4xx — never a 2xx,
// never a 5xx — and leave no row behind; afterwards an unmutated event still works.
//
// The signature is hex(sha256(timestamp + nonce + encryptKey + rawBody)), and the same Encrypt Key encrypts the
// event. So whoever can re-sign can also encrypt any event they like: only mutations that a party without the key
// could produce, or that must be refused even when re-signed (stale / non-numeric / millisecond timestamps,
// ciphertext that cannot decrypt to a JSON object, broken outer JSON, a wrong verification token or app id inside a
// validly encrypted and signed body, oversized bodies), are generated. Left out on purpose, because they do not
// change the request's meaning or are by design accepted:
//   - a different Content-Type alone (the route reads raw bytes whatever the type; it is stacked on failing mutations);
//   - a header name in another case (HTTP header names are case-insensitive);
//   - extra fields next to `encrypt`, or a re-encrypted event, when re-signed (that is a new valid event);
//   - the unsigned, encrypted url_verification handshake with the right token (answers the challenge, touches nothing).
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { feishuSignature } from '../../bots/feishu/verify.js';
import { TEST_FEISHU, cardActionEvent, encryptFeishu, messageEvent } from '../bots/feishu/sign.js';
import { FEISHU_PATH, counts, flipBit, generateMutations, injectAt, prng, replaceChar, structuralIndices, type HeaderWire, type Rng } from '../faults/harness.js';
import type { FuzzCase, Fuzzer } from './fuzzer.js';

const SEED = 0xfe15_0001;
const KEY = TEST_FEISHU.encryptKey;

const TS = 'x-lark-request-timestamp';
const NONCE = 'x-lark-request-nonce';
const SIG = 'x-lark-signature';

interface Base {
  name: string;
  event: Record<string, unknown>;
  encrypted: string;
  body: string;
  ts: string;
  nonce: string;
  sig: string;
}

interface Mutation {
  label: string;
  wire: HeaderWire;
  /** Statuses this mutation must get; any 4xx when not given. */
  expect?: number[];
}

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const nowSec = () => Math.floor(Date.now() / 1000);
const sign = (ts: string, nonce: string, body: string | Buffer, key = KEY) => feishuSignature(ts, nonce, key, Buffer.isBuffer(body) ? body : Buffer.from(body));
const outer = (encrypted: string) => JSON.stringify({ encrypt: encrypted });
const ivFrom = (rng: Rng) => Buffer.from(Array.from({ length: 16 }, () => rng.int(256)));

function makeBase(rng: Rng, name: string, event: Record<string, unknown>): Base {
  const encrypted = encryptFeishu(KEY, JSON.stringify(event), ivFrom(rng));
  const body = outer(encrypted);
  const ts = String(nowSec());
  const nonce = `fuzz-nonce-${name}`;
  return { name, event, encrypted, body, ts, nonce, sig: sign(ts, nonce, body) };
}

/** A request built from parts; anything not given is the base's. `null` drops the header. */
function wire(b: Base, o: { ts?: string | null; nonce?: string | null; sig?: string | null; body?: string | Buffer; contentType?: string | null; extra?: Record<string, string | string[]> } = {}): HeaderWire {
  const headers: Record<string, string | string[]> = {};
  const ct = o.contentType === undefined ? 'application/json' : o.contentType;
  if (ct !== null) headers['content-type'] = ct;
  const ts = o.ts === undefined ? b.ts : o.ts;
  const nonce = o.nonce === undefined ? b.nonce : o.nonce;
  const sig = o.sig === undefined ? b.sig : o.sig;
  if (ts !== null) headers[TS] = ts;
  if (nonce !== null) headers[NONCE] = nonce;
  if (sig !== null) headers[SIG] = sig;
  Object.assign(headers, o.extra ?? {});
  const body = o.body === undefined ? Buffer.from(b.body) : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body);
  return { headers, body };
}

/** A body re-signed with the right key, current timestamp and base nonce: only its content can get it refused. */
function resigned(b: Base, body: string | Buffer): HeaderWire {
  return wire(b, { body, sig: sign(b.ts, b.nonce, body) });
}

// ————— mutation classes —————

function mutSignature(rng: Rng, b: Base): Mutation {
  const kind = rng.int(9);
  let sig: string;
  if (kind === 0) sig = flipBit(rng, b.sig);
  else if (kind === 1) sig = replaceChar(rng, b.sig, HEX);
  else if (kind === 2) sig = b.sig.slice(0, 1 + rng.int(b.sig.length - 1));
  else if (kind === 3) sig = b.sig + rng.pick(['0', 'a', 'ff', '%00', b.sig]);
  else if (kind === 4) sig = Array.from({ length: 64 }, () => rng.pick([...HEX])).join('');
  else if (kind === 5) sig = sign(b.ts, b.nonce, b.body.replace('"encrypt"', '"encrypt" ')); // signature of other bytes
  else if (kind === 6) sig = sign(b.ts, b.nonce, b.body, `${KEY}x`); // wrong key
  else if (kind === 7) sig = rng.pick([b.sig.toUpperCase(), b.sig.split('').reverse().join(''), '0'.repeat(64), 'z'.repeat(64), `sha256=${b.sig}`, Buffer.from(b.sig, 'hex').toString('base64')]);
  else sig = sign(b.nonce, b.ts, b.body); // timestamp and nonce swapped
  if (sig === b.sig) sig = `${b.sig}0`;
  return { label: `signature#${kind}`, wire: wire(b, { sig }), expect: [401] };
}

function mutCiphertext(rng: Rng, b: Base): Mutation {
  const kind = rng.int(10);
  const raw = Buffer.from(b.encrypted, 'base64');
  const reb = (buf: Buffer) => buf.toString('base64');
  let enc: string;
  let resign = false;
  switch (kind) {
    case 0: // a base64 character replaced, signature kept
      enc = replaceChar(rng, b.encrypted.replace(/=+$/, ''), B64) + (b.encrypted.match(/=+$/)?.[0] ?? '');
      break;
    case 1: // one bit of one ciphertext byte flipped anywhere, signature kept
      {
        const c = Buffer.from(raw);
        c[rng.int(c.length)]! ^= 1 << rng.int(8);
        enc = reb(c);
      }
      break;
    case 2: // re-signed: a byte of the IV changed, so the first plaintext block `{"schema":"2.0",` is no longer that
      {
        const c = Buffer.from(raw);
        c[rng.int(16)]! ^= 1 + rng.int(255);
        enc = reb(c);
        resign = true;
      }
      break;
    case 3: // re-signed: a byte of the last block changed (garbles the last plaintext block and its PKCS#7 padding)
      {
        const c = Buffer.from(raw);
        c[c.length - 16 + rng.int(16)]! ^= 1 + rng.int(255);
        enc = reb(c);
        resign = true;
      }
      break;
    case 4: // re-signed: truncated to a length that is not IV + whole AES blocks, or shorter than IV + one block
      {
        let n = rng.int(raw.length);
        if (n >= 32 && n % 16 === 0) n -= 1 + rng.int(15);
        enc = reb(raw.subarray(0, n));
        resign = true;
      }
      break;
    case 5: // re-signed: whole blocks dropped from the end (the JSON is cut short; the padding is most likely wrong)
      enc = reb(raw.subarray(0, raw.length - 16 * (1 + rng.int(Math.max(1, raw.length / 16 - 2)))));
      resign = true;
      break;
    case 6: // re-signed: non-base64 characters or whitespace inside
      {
        const i = 1 + rng.int(b.encrypted.length - 2);
        enc = b.encrypted.slice(0, i) + rng.pick(['!', '-', '_', '*', ' ', '\n', '\t', '.', '%', '中', '\\u0000']) + b.encrypted.slice(i);
        resign = true;
      }
      break;
    case 7: // signature kept: the ciphertext replaced by another valid one (a replayed signature)
      enc = encryptFeishu(KEY, JSON.stringify(messageEvent('mallory', '/新客户 冒名厂 13000000000', { eventId: 'ev-mallory' })), ivFrom(rng));
      break;
    case 8: // re-signed: encrypted with another key (cannot decrypt to a JSON object)
      enc = encryptFeishu(`${KEY}-other`, JSON.stringify(b.event), ivFrom(rng));
      resign = true;
      break;
    default: // empty / tiny / IV only
      enc = rng.pick(['', '=', '==', 'AAAA', 'A'.repeat(22), reb(raw.subarray(0, 16)), reb(Buffer.alloc(32)), reb(Buffer.alloc(48, 16))]);
      resign = rng.next() < 0.5;
  }
  if (enc === b.encrypted) enc = `${b.encrypted}A`;
  const body = outer(enc);
  return {
    label: `ciphertext#${kind}${resign ? '+resigned' : ''}`,
    wire: resign ? resigned(b, body) : wire(b, { body }),
    expect: resign ? [400] : [400, 401],
  };
}

/** Body bytes changed after signing, signature kept. */
function mutBodyBytes(rng: Rng, b: Base): Mutation {
  const s = b.body;
  const kind = rng.int(9);
  let body: Buffer;
  switch (kind) {
    case 0: // one bit of one byte flipped
      body = Buffer.from(s);
      body[rng.int(body.length)]! ^= 1 << rng.int(8);
      break;
    case 1: // whitespace inserted (same JSON, other bytes)
      {
        const i = rng.pick(structuralIndices(s));
        body = Buffer.from(s.slice(0, i + 1) + rng.pick([' ', '\n', '\t', '\r\n']) + s.slice(i + 1));
      }
      break;
    case 2: // trailing / leading whitespace, BOM
      body = Buffer.from(rng.pick([`${s}\n`, ` ${s}`, `\uFEFF${s}`, `${s}\r\n`]));
      break;
    case 3: // an extra field
      body = Buffer.from(s.replace(/}$/, `,"${rng.pick(['x', 'schema', 'type', 'token'])}":${rng.pick(['1', '"2.0"', 'null', '{}'])}}`));
      break;
    case 4: // a duplicated key: the parser keeps the last one
      body = Buffer.from(`{"encrypt":"${rng.pick(['AAAA', b.encrypted.slice(4)])}",${s.slice(1)}`);
      break;
    case 5: // re-encoded
      body = Buffer.from(s, rng.pick(['utf16le', 'latin1'] as const));
      if (body.equals(Buffer.from(s))) body = Buffer.from(s, 'utf16le');
      break;
    case 6: // a JSON escape that decodes to the same value
      body = Buffer.from(s.replace('"encrypt"', rng.pick(['"\\u0065ncrypt"', '"encryp\\u0074"'])));
      break;
    case 7: // truncated
      body = Buffer.from(s.slice(0, 1 + rng.int(s.length - 1)));
      break;
    default: // random bytes appended
      body = Buffer.concat([Buffer.from(s), Buffer.from(Array.from({ length: 1 + rng.int(64) }, () => rng.int(256)))]);
  }
  return { label: `body-after-signing#${kind}`, wire: wire(b, { body }), expect: [400, 401] };
}

function mutTimestamp(rng: Rng, b: Base): Mutation {
  const kind = rng.int(4);
  let ts: string;
  if (kind === 0) ts = String(nowSec() - 301 - rng.int(10_000_000)); // stale
  else if (kind === 1) ts = String(nowSec() + 301 + rng.int(10_000_000)); // future
  else if (kind === 2) ts = String(Date.now() + rng.int(1000)); // milliseconds, not seconds
  else {
    const t = b.ts;
    ts = rng.pick([
      '', 'abc', 'NaN', 'Infinity', '-1', `-${t}`, `+${t}`, ` ${t}`, `${t} `, `${t}.0`, `${t}e0`, '1.7e9', `0x${Number(t).toString(16)}`,
      t.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d))), `${t}abc`, '9'.repeat(11), '0'.repeat(10), t.slice(0, 5), `${t}${t}`,
      'null', 'undefined', '[]', '{}', `${t}, ${t}`,
    ]);
  }
  // Re-signed so the timestamp check itself must refuse it; whitespace-padded values only re-signed (an HTTP
  // stack may trim them, which is no change at all when the signature is kept).
  const resign = /^\s|\s$/.test(ts) || rng.next() < 0.7;
  const sig = resign ? sign(ts, b.nonce, b.body) : b.sig;
  return { label: `timestamp#${kind}${resign ? '+resigned' : ''}`, wire: wire(b, { ts, sig }), expect: [401] };
}

function mutNonce(rng: Rng, b: Base): Mutation {
  const kind = rng.int(4);
  let nonce: string;
  if (kind === 0) nonce = replaceChar(rng, b.nonce, 'abcdefghijklmnopqrstuvwxyz0123456789-');
  else if (kind === 1) nonce = `${b.nonce}${rng.pick(['0', 'x', '-', '\u00e9'])}`;
  else if (kind === 2) nonce = rng.pick(['', 'nonce', '0', b.nonce.toUpperCase(), `${b.nonce}, ${b.nonce}`]);
  else nonce = b.nonce.slice(1);
  return { label: `nonce#${kind}`, wire: wire(b, { nonce }), expect: [401] };
}

/** Validly encrypted and signed events that carry the wrong verification token / app id, or a broken header. */
function mutIdentity(rng: Rng, b: Base): Mutation {
  const kind = rng.int(8);
  const ev = structuredClone(b.event) as { header: Record<string, unknown>; [k: string]: unknown };
  let expectStatus = [401];
  switch (kind) {
    case 0: // wrong verification token
      ev.header.token = rng.pick(['', 'vt-012345678', 'vt-01234567890', 'VT-0123456789', `${TEST_FEISHU.verificationToken} `, 'x'.repeat(200)]);
      break;
    case 1: // token of the wrong type, including an array holding the right token
      ev.header.token = rng.pick([null, 123, ['vt-wrong'], { v: 'vt-0123456789' }, true, [TEST_FEISHU.verificationToken, 'x'], [TEST_FEISHU.verificationToken]]);
      break;
    case 2: // wrong app id
      ev.header.app_id = rng.pick(['cli_other0000000000', '', `${TEST_FEISHU.appId}x`, TEST_FEISHU.appId.toUpperCase(), null, 0, [TEST_FEISHU.appId]]);
      break;
    case 3: // header missing / not an object (the token is then missing too)
      if (rng.next() < 0.5) delete (ev as { header?: unknown }).header;
      else ev.header = rng.pick([null, [], 'header', 42, [ev.header]]) as never;
      break;
    case 4: // schema not 2.0
      ev.schema = rng.pick(['1.0', '2', 2, 20, null, '', ' 2.0']);
      expectStatus = [400];
      break;
    case 5: // event type missing / not a string
      ev.header.event_type = rng.pick([undefined, null, 1, ['im.message.receive_v1'], { t: 'im.message.receive_v1' }]);
      expectStatus = [400];
      break;
    case 6: // url_verification with a wrong token, or with the right token but no string challenge
      if (rng.next() < 0.5) return encryptedSigned(rng, b, { type: 'url_verification', token: 'vt-wrong', challenge: 'c' }, 'identity#6', [401]);
      return encryptedSigned(rng, b, { type: 'url_verification', token: TEST_FEISHU.verificationToken, challenge: rng.pick([null, 1, {}, ['c']]) }, 'identity#6', [400]);
    default: // wrong token and wrong app id, unsigned (no signature headers at all)
      ev.header.token = 'vt-wrong';
      return { label: 'identity#7-unsigned', wire: wire(b, { body: outer(encryptFeishu(KEY, JSON.stringify(ev), ivFrom(rng))), ts: null, nonce: null, sig: null }), expect: [401] };
  }
  return encryptedSigned(rng, b, ev, `identity#${kind}`, expectStatus);
}

function encryptedSigned(rng: Rng, b: Base, plain: unknown, label: string, expectStatus: number[]): Mutation {
  const text = typeof plain === 'string' ? plain : JSON.stringify(plain);
  return { label, wire: resigned(b, outer(encryptFeishu(KEY, text, ivFrom(rng)))), expect: expectStatus };
}

/** Decrypted text that is not a JSON object, validly encrypted and signed. */
function mutInnerJson(rng: Rng, b: Base): Mutation {
  const kind = rng.int(6);
  const full = JSON.stringify(b.event);
  const plain = [
    () => rng.pick(['[]', 'null', '"str"', '42', 'true', '1e999', '-0', `[${full}]`]),
    () => full.slice(0, 1 + rng.int(full.length - 2)), // truncated
    () => `${full}${rng.pick(['x', '}', ',', '{}', full])}`, // trailing garbage
    () => `${'['.repeat(5000)}${']'.repeat(5000)}`, // deep nesting
    () => rng.pick(['', ' ', '{', "{'schema':'2.0'}", '{"schema":"2.0",}', 'NaN', '<xml/>', '\u0000']),
    () => Buffer.from(Array.from({ length: 1 + rng.int(200) }, () => rng.int(256))).toString('latin1'),
  ][kind]!();
  // (Random bytes could, very rarely, be `{}`: a JSON object without a token, refused with 401.)
  return encryptedSigned(rng, b, plain, `inner-json#${kind}`, kind === 5 ? [400, 401] : [400]);
}

/** The outer body broken (re-signed, so the signature does not save it): must be 400. */
function mutOuterJson(rng: Rng, b: Base): Mutation {
  const s = b.body;
  const e = b.encrypted;
  const kind = rng.int(12);
  let body: string;
  switch (kind) {
    case 0: // arrays
      body = rng.pick([`[${s}]`, '[]', `["${e}"]`, `[{"encrypt":"${e}"},{"encrypt":"${e}"}]`]);
      break;
    case 1: // scalars
      body = rng.pick(['null', 'true', '0', '""', `"${e}"`, '-1', '1e999']);
      break;
    case 2: // encrypt of the wrong type
      body = JSON.stringify({ encrypt: rng.pick([null, 0, true, [e], { e }, 1e300]) });
      break;
    case 3: // huge numbers
      body = rng.pick([`{"encrypt":${'9'.repeat(5000)}}`, '{"encrypt":1e400}', `{"encrypt":-${'1'.repeat(400)}.5e-999}`, `${'9'.repeat(60_000)}`]);
      break;
    case 4: // deep nesting (no top-level encrypt)
      {
        const depth = 1000 + rng.int(20_000);
        body = rng.pick([
          `${'['.repeat(depth)}${']'.repeat(depth)}`,
          `${'{"a":'.repeat(depth / 5)}${s}${'}'.repeat(depth / 5)}`,
          `{"encrypt":${'['.repeat(depth)}"${e}"${']'.repeat(depth)}}`,
        ]);
      }
      break;
    case 5: // nested garbage / encrypt moved
      body = rng.pick([`{"data":${s}}`, `{"encrypt":{"encrypt":"${e}"}}`, '{}', `{"Encrypt":"${e}"}`, `{"encrypt ":"${e}"}`, `{"ENCRYPT":"${e}"}`]);
      break;
    case 6: // truncated / trailing garbage
      body = rng.pick([s.slice(0, 1 + rng.int(s.length - 2)), `${s}x`, `${s}${s}`, `${s},`, `${s}}`]);
      break;
    case 7: // a structural character replaced
      {
        const i = rng.pick(structuralIndices(s));
        body = s.slice(0, i) + rng.pick(["'", 'x', '[', ']', ';', '=']) + s.slice(i + 1);
      }
      break;
    case 8: // not JSON
      body = rng.pick([`encrypt=${encodeURIComponent(e)}`, `<xml><encrypt>${e}</encrypt></xml>`, e, `{encrypt:"${e}"}`, `{'encrypt':'${e}'}`, `{"encrypt":"${e}" /* c */}`, '\u0000'.repeat(16)]);
      break;
    case 9: // a BOM in front
      body = `\uFEFF${s}`;
      break;
    case 10: // the last duplicate key wins and is broken
      body = `{"encrypt":"${e}","encrypt":${rng.pick(['null', '"AAAA"', '1', `"${e}!"`])}}`;
      break;
    default: // random bytes
      return { label: 'outer-json#11', wire: resigned(b, Buffer.from(Array.from({ length: 1 + rng.int(2000) }, () => rng.int(256)))), expect: [400] };
  }
  const unsigned = rng.next() < 0.2;
  return {
    label: `outer-json#${kind}${unsigned ? '-unsigned' : ''}`,
    wire: unsigned ? wire(b, { body, ts: null, nonce: null, sig: null }) : resigned(b, body),
    expect: [400],
  };
}

let big: { over64: string[]; over256: string[] } | undefined;
function mutOversized(rng: Rng, b: Base): Mutation {
  big ??= {
    // A valid event padded past 64 KB with JSON-legal whitespace (re-signed below), and plain filler.
    over64: [`${b.body}${' '.repeat(64 * 1024 + 1 - b.body.length)}`, 'a'.repeat(64 * 1024 + 1), `{"encrypt":"${'A'.repeat(200 * 1024)}"}`],
    over256: ['a'.repeat(256 * 1024 + 1), `${b.body}${' '.repeat(300 * 1024)}`, 'x'.repeat(1024 * 1024 + 10)],
  };
  const over256 = rng.next() < 0.4;
  const body = rng.pick(over256 ? big.over256 : big.over64);
  return { label: `oversized${over256 ? '>256K' : '>64K'}`, wire: rng.next() < 0.5 ? resigned(b, body) : wire(b, { body }), expect: [413] };
}

/** Missing, duplicated or misnamed signature headers. */
function mutHeaders(rng: Rng, b: Base): Mutation {
  const kind = rng.int(5);
  const names = [TS, NONCE, SIG] as const;
  const victim = rng.pick(names);
  const value = { [TS]: b.ts, [NONCE]: b.nonce, [SIG]: b.sig }[victim];
  switch (kind) {
    case 0: // one missing (a missing signature is the unsigned path: only url_verification may pass it)
      return { label: `header-missing(${victim})`, wire: wire(b, { [victim === TS ? 'ts' : victim === NONCE ? 'nonce' : 'sig']: null }), expect: [401] };
    case 1: // all missing
      return { label: 'headers-missing', wire: wire(b, { ts: null, nonce: null, sig: null }), expect: [401] };
    case 2: // duplicated: sent twice, which arrives as "a, b"
      return { label: `header-duplicated(${victim})`, wire: wire(b, { extra: { [victim]: [value, rng.pick([value, '0', 'x'])] } }), expect: [401] };
    case 3: // misnamed
      {
        const wrong = rng.pick(['x-lark-sign', 'x-feishu-signature', 'signature', 'x-lark-request-signature']);
        const w = wire(b, { sig: null, extra: { [wrong]: b.sig } });
        return { label: `header-misnamed(${wrong})`, wire: w, expect: [401] };
      }
    default: // empty values
      return { label: `header-empty(${victim})`, wire: wire(b, { [victim === TS ? 'ts' : victim === NONCE ? 'nonce' : 'sig']: '' }), expect: [401] };
  }
}

const CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'application/octet-stream', 'text/xml', 'application/json; charset=utf-16', null, 'garbage'];

/** A wrong or missing Content-Type, stacked on a mutation that must fail (the header alone is not signed). */
function mutContentType(rng: Rng, b: Base): Mutation {
  const inner = rng.pick([mutSignature, mutTimestamp, mutNonce, mutOuterJson, mutCiphertext, mutIdentity])(rng, b);
  const ct = rng.pick(CONTENT_TYPES);
  const headers = { ...inner.wire.headers };
  if (ct === null) delete headers['content-type'];
  else headers['content-type'] = ct;
  // Without a Content-Type fastify may hand the route no body at all: then it is an empty body (400).
  // fastify refuses a Content-Type it cannot even parse ('garbage') with 415 before the route runs.
  return { label: `content-type(${ct ?? 'none'})+${inner.label}`, wire: { headers, body: inner.wire.body }, ...(inner.expect ? { expect: [...(ct === null ? [400] : []), 415, ...inner.expect] } : {}) };
}

function mutEmpty(rng: Rng, b: Base): Mutation {
  const body = rng.pick(['', ' ', '\n\n', '\u0000', '{}', 'null']);
  const signed = rng.next() < 0.5;
  return { label: `empty-body(${JSON.stringify(body)})`, wire: signed ? resigned(b, body) : wire(b, { body }), expect: [400, 401] };
}

function mutStacked(rng: Rng, b: Base): Mutation {
  const a = rng.pick([mutSignature, mutNonce, mutTimestamp, mutHeaders])(rng, b);
  const c = rng.pick([mutCiphertext, mutOuterJson, mutBodyBytes, mutEmpty])(rng, b);
  const headers = { ...a.wire.headers, 'content-type': c.wire.headers['content-type'] ?? 'application/json' };
  return { label: `stacked(${a.label}|${c.label})`, wire: { headers, body: c.wire.body } };
}

const CLASSES: Array<[number, (rng: Rng, b: Base) => Mutation]> = [
  [12, mutSignature],
  [14, mutCiphertext],
  [10, mutBodyBytes],
  [10, mutTimestamp],
  [6, mutNonce],
  [10, mutIdentity],
  [6, mutInnerJson],
  [12, mutOuterJson],
  [3, mutOversized],
  [6, mutHeaders],
  [5, mutContentType],
  [2, mutEmpty],
  [4, mutStacked],
];

let bases: Base[] = [];
const send = (w: HeaderWire, label = 'pristine', expectStatus?: number[]): FuzzCase => ({
  label,
  ...(expectStatus ? { expect: expectStatus } : {}),
  send: (app) => injectAt(app, FEISHU_PATH, w),
  describe: () => `headers=${JSON.stringify(w.headers).slice(0, 300)} | body=${w.body.subarray(0, 160).toString()}`,
});

export const feishuFuzzer: Fuzzer = {
  timeoutMs: 180_000,
  prepare() {
    const rng = prng(SEED - 1);
    bases = [
      makeBase(rng, 'text', messageEvent('fuzzer', '/新客户 变异测试阀门厂 13800000001 宁波 阀门', { eventId: 'ev-fuzz-text-1' })),
      makeBase(rng, 'text2', messageEvent('fuzzer2', '/新客户 变异测试泵业 13800000002 温州 水泵', { eventId: 'ev-fuzz-text-2' })),
      makeBase(rng, 'card', cardActionEvent('fuzzer', { d: JSON.stringify({ a: 'approve', id: 'A-1' }) }, 'om_fuzz_card', { eventId: 'ev-fuzz-card-1' })),
    ];
  },
  mutations: (total) => generateMutations(prng(SEED), bases, CLASSES, total).map((m) => send(m.wire, m.label, m.expect)),
  pristine: () => send(wire(bases[0]!)),
  duplicatedLabel: 'a signature header sent twice with the same valid value',
  duplicated() {
    const b = bases[1]!;
    return ([[TS, b.ts], [NONCE, b.nonce], [SIG, b.sig]] as const).map(([name, value]) => send(wire(b, { extra: { [name]: [value, value] } }), name));
  },
  own: [
    // Found by this suite: the token used to be read as `String(header.token ?? …)`, so the array
    // `["vt-0123456789"]` was coerced to the right string and the event ran. A non-string token is now refused.
    [
      'refuses a validly signed event whose verification token is not a string (an array holding the right token)',
      async (app, db) => {
        const before = await counts(db);
        const ev = messageEvent('fuzzer3', '/新客户 类型混淆阀门厂 13800000003', { eventId: 'ev-fuzz-array-token' }) as { header: Record<string, unknown> };
        ev.header.token = [TEST_FEISHU.verificationToken];
        const b = makeBase(prng(SEED + 7), 'array-token', ev);
        const res = await injectAt(app, FEISHU_PATH, wire(b));
        expect(res.statusCode).toBe(401);
        expect(await counts(db)).toEqual(before);
      },
    ],
    [
      'an unsigned url_verification with the right token answers the challenge and writes nothing (the one 2xx by design)',
      async (app, db) => {
        const before = await counts(db);
        const body = outer(encryptFeishu(KEY, JSON.stringify({ type: 'url_verification', token: TEST_FEISHU.verificationToken, challenge: 'c-1' }), randomBytes(16)));
        const res = await injectAt(app, FEISHU_PATH, { headers: { 'content-type': 'application/json' }, body: Buffer.from(body) });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ challenge: 'c-1' });
        expect(await counts(db)).toEqual(before);
      },
    ],
  ],
};
