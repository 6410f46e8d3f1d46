// The interface every platform driver (wecom.ts, feishu.ts, dingtalk.ts) implements for the contract suites in
// test/contract/ and the attack suite (test/bots/attacks.ts), and the helpers the drivers share.
import type { LightMyRequestResponse } from 'fastify';
import type { RawRequest } from '../../../src/adapter.js';
import type { FaultApp } from '../../faults/harness.js';
import type { TestDb } from '../../helpers/db.js';
import type { Fuzzer } from '../fuzzer.js';

export type PlatformName = 'wecom' | 'feishu' | 'dingtalk';

/** An approval card as the platform received it: the strings it acts on as markup, and the whole outbound body. */
export interface SentCard {
  /** Markdown / lark_md text, button targets and link fields, one per line (what the platform would turn into markup). */
  markup: string;
  json: string;
}

/** Rewrites a button's decoded action data (`{ v, a, id }`, cards/action-data.ts) into a forged one. */
export type ForgeData = (data: Record<string, unknown>) => Record<string, unknown>;
export const forge = (data: string, edit?: ForgeData) => (edit ? JSON.stringify(edit(JSON.parse(data) as Record<string, unknown>)) : data);

/** A refusal every route makes, built the platform's way: [what it is, the request, the status it must get]. */
export type Refusal = [string, () => RawRequest, number];

/** What only some platforms can do; a suite adds a platform-specific case when its driver has the capability. */
export interface Capabilities {
  /**
   * A card button is a signed click event the platform sends itself (WeCom, Feishu), answered synchronously:
   * `done` is the answer of the copy that did the work, `empty` a duplicate's. On DingTalk the ActionCard button
   * only makes the tapper send a typed `/批准 A-n`, so this is absent.
   */
  /**
   * The signature covers the body (WeCom, Feishu): a captured one carrying another body is refused. DingTalk's HTTP
   * sign covers only the timestamp; the pair is bound to the msgId it first carried (bots/dingtalk/verify.ts).
   */
  signCoversBody: boolean;
  cardClick?: { done(res: LightMyRequestResponse): boolean; empty(res: LightMyRequestResponse): boolean; refused?(res: LightMyRequestResponse): void };
}

/** A running app on the test database with this platform enabled and pointed at its fake. */
export interface Session {
  app: FaultApp;
  /** Posts a raw platform request to this platform's route. */
  post(req: RawRequest): Promise<LightMyRequestResponse>;
  /** A signed text message from `user` through the route. */
  say(user: string, text: string): Promise<LightMyRequestResponse>;
  /** Every outbound body sent to `user` so far, as JSON. */
  sentTo(user: string): string[];
  /** How many requests the platform's fake has received so far (token, send, update …). */
  apiCalls(): number;
  /** The text of every outbound message to `user` so far (cards as their JSON), one entry per message. */
  textsTo(user: string): string[];
  /** The approval cards that reached `user` (for `approval` A-n when given, else every one), oldest first. */
  approvalCards(user: string, approval?: string): SentCard[];
  /**
   * `actor` presses 批准 on the card for `approval` that `holder` received (the latest; the first approval card
   * when no `approval` is given). DingTalk: the button's typed command, or `/批准 A-n` when `holder` has no card.
   * `edit` forges the button's action data (platforms with `can.cardClick`; DingTalk's button carries no data).
   */
  approveClick(actor: string, holder: string, approval?: string, edit?: ForgeData): RawRequest;
  close(): Promise<void>;
}

export interface Driver {
  name: PlatformName;
  label: 'WeCom' | 'Feishu' | 'DingTalk';
  path: string;
  can: Capabilities;
  /** The tenant key events of this app carry (WeCom CorpID, Feishu tenant_key, DingTalk corpId). */
  tenantKey: string;
  /** How chat commands (`/设置 角色 <who>`) name `user` on this platform. */
  ref(user: string): string;
  /** The platform user id the adapter reports for `user`. */
  pid(user: string): string;
  /** The name `user` gets on first contact (from the platform's directory, or DingTalk's senderNick). */
  nameOf(user: string): string;
  /**
   * A genuine signed text message from `user`; `id` is the platform's message id (MsgId, event_id, msgId), `atSec`
   * how far from now it was signed (default now).
   */
  message(user: string, text: string, id?: string, atSec?: number): RawRequest;
  /** How far a signature's timestamp may be from our clock, either way (bots/<platform>/verify.ts). */
  windowSec: number;
  /** The platform's own retries of message `id`: each call re-signs (and re-encrypts) it anew, same id. */
  retry(user: string, text: string, id: string): () => RawRequest;
  /** The refusals every route makes (test/contract/verification.security.test.ts), and the ones only this one has. */
  refusals: { common: Refusal[]; own: Refusal[]; body?: string };
  /** The platform's mutation generator (mutations-<platform>.ts) for mutations.security.test.ts. */
  fuzz: Fuzzer;
  /** A request whose signature was captured from `genuine`, carrying `forged`'s content instead (each way the wire allows). */
  captured(genuine: RawRequest, forged: RawRequest): RawRequest[];
  start(t: TestDb, o?: { env?: Record<string, string> }): Promise<Session>;
}

export const nowSec = () => Math.floor(Date.now() / 1000);

/** Every window is shorter than ten minutes (WeCom and Feishu 5, DingTalk 2). */
export const commonRefusals = (r: {
  forged(): RawRequest;
  otherKey(): RawRequest;
  signedAt(offsetSec: number): RawRequest;
  unsigned(): RawRequest;
  otherApp(): RawRequest;
  garbage(): RawRequest;
  empty(): RawRequest;
  oversized(): RawRequest;
}): Refusal[] => [
  ['a forged signature', r.forged, 401],
  ['a signature made with another key', r.otherKey, 401],
  ['a replay from ten minutes ago', () => r.signedAt(-600), 401],
  ['a replay from an hour ago', () => r.signedAt(-3600), 401],
  ['a timestamp ten minutes in the future', () => r.signedAt(600), 401],
  ['no signature', r.unsigned, 401],
  ['another app', r.otherApp, 401],
  ['a body that does not parse', r.garbage, 400],
  ['an empty body', r.empty, 400],
  ['an oversized body', r.oversized, 413],
];

/** A Session for driver `d` on `app`: posts go to the driver's route, `say` signs with the driver. */
export function session(d: Pick<Driver, 'path' | 'message'>, app: FaultApp, parts: Omit<Session, 'app' | 'post' | 'say' | 'close'> & { closeFake(): Promise<void> }): Session {
  const post = (req: RawRequest) => app.post(d.path, req);
  const { closeFake, ...rest } = parts;
  return {
    app,
    post,
    say: (user, text) => post(d.message(user, text)),
    ...rest,
    async close() {
      await app.close();
      await closeFake();
    },
  };
}
