// THE adapter contract: what every platform folder in bots/ implements and what the core (src/inbound,
// src/outbox) relies on. No platform code here; the core never sees XML, tokens or signatures.
import type { Text } from '../cards/markup.js';
import type { Card } from '../cards/model.js';

export type Platform = 'wecom' | 'dingtalk' | 'feishu' | 'console';

export interface ChatRef {
  id: string;
  kind: 'direct' | 'group';
}

interface InboundBase {
  platform: Platform;
  /** WeCom CorpID, Feishu tenant_key, DingTalk corpId; 'console' for the console. */
  tenantKey: string;
  /** Idempotency key: MsgId / event_id / sender+time+event key. Unique per platform. */
  eventKey: string;
  actor: {
    platformUserId: string;
    displayName?: string;
    /** Console only (`npm run chat -- --role manager`): the role of a user first seen in this event. */
    roleIfNew?: 'rep' | 'manager' | 'director' | 'finance' | 'tech' | 'admin';
  };
  chat: ChatRef;
  /**
   * The `app` of the adapter that received it, when its platform has two ways in (WeCom: the self-built app and the
   * smart robot): the replies go back the same way. Absent: the platform's one adapter.
   */
  via?: string;
  receivedAt: Date;
  /** For logs only; the core never reads it. */
  raw?: unknown;
}

export interface InboundMessage extends InboundBase {
  type: 'message';
  /** Text with the bot's own @mention removed. */
  text: string;
  mentions: string[];
  /** Set for a picture, voice note, file… (its platform type): the core answers that it reads text only. */
  nonText?: string;
  /** `text` is the platform's transcript of a voice note (DingTalk `recognition`, WeCom robot voice). */
  spoken?: boolean;
}

export interface InboundCardAction extends InboundBase {
  type: 'card_action';
  action: string;
  /** Opaque action data, decoded and validated in the core by cards/action-data.ts. */
  data: string;
  /** Whatever the platform needs to update this card (WeCom response_code, Feishu message id, DingTalk outTrackId). */
  cardRef?: string;
  /** How long the platform waits for a synchronous answer, in ms. */
  deadlineMs: number;
}

export type InboundEvent = InboundMessage | InboundCardAction;

/** A platform-neutral outbound message. */
export type OutboundMessage =
  | { type: 'text'; text: string }
  /** `text`: a bare string is user text (escaped whole); build formatted text with `md` (cards/markup.ts). */
  | { type: 'markdown'; title?: string; text: Text }
  | { type: 'card'; card: Card }
  /**
   * A document (the PDF quote). The bytes travel as base64 inside the outbox row, so a retry sends exactly the file
   * that was queued. Adapters upload it with the platform's file API and send it as a file message.
   */
  | { type: 'file'; fileName: string; mimeType: 'application/pdf'; base64: string }
  /**
   * A picture (the digest's chart, a PNG drawn on the server), base64 in the outbox row like a file. Adapters send it
   * as the platform's image message, within its image limit (cards/<platform>/limits.ts `imageBytes`); over it, the
   * send is refused for good rather than retried.
   */
  | { type: 'image'; fileName: string; mimeType: 'image/png'; base64: string };

export interface SendTarget {
  tenantKey: string;
  kind: 'user' | 'group' | 'webhook';
  /** Platform user id, chat id, or (kind=webhook) the webhook key/URL name from config. */
  id: string;
  /** The adapter `app` that must send it (a reply goes back the way its message came); absent: the platform's default. */
  via?: string;
}

export interface SendOptions {
  idempotencyKey?: string;
}

export interface SentRef {
  messageId?: string;
  /** Reference to update the card later (stored on approval steps). */
  cardRef?: string;
}

/** The core's answer to an inbound event; adapters put what they can into their synchronous reply. */
export interface DispatchOutcome {
  /** Short toast for card actions. */
  toast?: string;
  /** How the toast reads: a done deed, a hint, or a refusal (platforms colour it). */
  toastType?: 'success' | 'info' | 'error';
  /** Replacement card for the clicked card, when the platform allows answering with one. */
  card?: Card;
  /** For direct replies over transports that answer inline (console). */
  replies?: OutboundMessage[];
}

export type Dispatch = (event: InboundEvent) => Promise<DispatchOutcome>;

/** A raw HTTP request, independent of fastify. */
export interface RawRequest {
  method: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface RawReply {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface HttpRoute {
  method: 'GET' | 'POST';
  path: string;
  handle(req: RawRequest, dispatch: Dispatch): Promise<RawReply>;
}

/** One way in, for /readyz and the start-up log. */
export interface TransportStatus {
  /** e.g. `wecom-robot` or `feishu ws`. */
  transport: string;
  mode: 'webhook' | 'long connection';
  /** webhook: `listening`; long connection: `connecting`, `open`, `down` (reconnecting), `replaced` (another process took it), `stopped`. */
  state: 'listening' | 'connecting' | 'open' | 'down' | 'replaced' | 'stopped';
  /** The last frame (message, event or pong) the connection received. */
  lastFrameAt?: string;
  /** Since when it has been down (state `down`). */
  downSince?: string;
  /** Reconnect attempts in the current outage. */
  attempts?: number;
}

/** The member a sign-in code belongs to, with the same ids its chat messages carry (`InboundBase`). */
export interface SignInUser {
  tenantKey: string;
  platformUserId: string;
}

/**
 * Signing in to the web dashboard with the platform's own login (WeCom OAuth2, Feishu authorize, DingTalk OAuth2):
 * the browser is sent to `authorizeUrl`, the platform sends it back to `redirectUri` with a code (and our `state`),
 * and the server turns the code into the member here. Who signs in comes only from the platform's answer.
 */
export interface SignInFlow {
  authorizeUrl(redirectUri: string, state: string): string;
  /**
   * The member behind a code; undefined when the platform vouches for someone who is not a member (a WeCom
   * non-member's openid, a DingTalk external contact). Throws AdapterError when the platform refuses the code
   * (used, expired, wrong) or does not answer in time.
   */
  userOfCode(code: string, redirectUri: string): Promise<SignInUser | undefined>;
}

export interface ChatAdapter {
  platform: Platform;
  /** The platform app this adapter sends as (WeCom corp/agent, Feishu app id, DingTalk robot): one outbox lane each. */
  app?: string;
  httpRoutes: HttpRoute[];
  /**
   * Set when this adapter shares its platform with another (the WeCom robot next to the self-built app): its outbox
   * lane takes the rows addressed `via` its app, and group messages addressed to nobody except to these ids (the
   * other adapter's group robots).
   */
  sharesPlatform?: { groupsElsewhere: string[] };
  /** Each way in and its state (webhook adapters without it are reported as `listening`). */
  status?(): TransportStatus[];
  /** Long-connection transports (Feishu ws, DingTalk Stream, WeCom robot). */
  start?(dispatch: Dispatch): Promise<void>;
  stop?(): Promise<void>;
  /**
   * Sends one message. `idempotencyKey` (the outbox row) lets platforms that support it drop a resend after a
   * crash between send and commit (WeCom duplicate check, Feishu `uuid`).
   */
  send(target: SendTarget, message: OutboundMessage, opts?: SendOptions): Promise<SentRef>;
  updateCard(cardRef: string, card: Card): Promise<void>;
  lookupUser?(platformUserId: string): Promise<{ name?: string } | undefined>;
  /** Dashboard sign-in with this platform's login, where the adapter is the platform's app (not the WeCom robot). */
  signIn?: SignInFlow;
}

export type AdapterErrorCode =
  | 'VERIFICATION_FAILED'
  | 'MALFORMED'
  | 'AUTH_FAILED'
  | 'TOKEN_EXPIRED'
  | 'RATE_LIMITED'
  | 'PLATFORM_REJECTED'
  | 'NETWORK';

export class AdapterError extends Error {
  constructor(
    readonly platform: Platform,
    readonly code: AdapterErrorCode,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AdapterError';
  }
}
