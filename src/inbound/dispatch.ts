// InboundEvent → claim its event key → resolve tenant and user → run the command or card action → queue the
// replies in the outbox; all in one transaction, so a platform's retry of the same event changes nothing.
import type { Dispatch, DispatchOutcome, InboundEvent, OutboundMessage, SendTarget } from '../adapter.js';
import type { Db, DbOrTx } from '../db/client.js';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/rows.js';
import { inboundEvents } from '../db/schema/index.js';
import { runChatText, spokenFollowUp } from '../commands/index.js';
import type { CommandEnv } from '../commands/contract.js';
import { enqueue } from '../outbox/enqueue.js';
import { resolveTenant } from '../services/tenants.js';
import { findKnownSender, resolveUser, toActor } from '../services/users.js';
import { handleCardAction } from './card-actions.js';
import { gateEvent } from './gate.js';

export interface DispatchDeps {
  db: Db;
  defaultTimeZone: string;
  defaultTenantName?: string;
  now?: () => Date;
  log?: { error(obj: object, msg?: string): void };
  /** Called after a commit that queued outbound rows (wakes the outbox worker). */
  onQueued?: () => void;
  /** The platform directory's name for a user we have not seen yet (WeCom user/get …). */
  lookupName?: (platform: InboundEvent['platform'], platformUserId: string) => Promise<string | undefined>;
  /** Where the dashboard is served (links in /看板). */
  publicUrl?: string;
}

/** A directory lookup must not eat the platform's answer deadline. */
const LOOKUP_TIMEOUT_MS = 1500;

const NON_TEXT = '暂时只能读懂文字消息。请用文字发送，例如：/跟进 D-3 已寄样 下一步:等客户反馈；发送 /帮助 查看所有命令。';

/** A voice note with no transcript: where voice is read, and what to do here. */
function voiceReply(event: InboundEvent): string {
  // DingTalk and the WeCom robot transcribe: an empty transcript means it was not understood.
  if (event.platform === 'dingtalk' || event.via?.startsWith('robot:')) return '没能听清这条语音（平台没有给出文字）。请再说一次，或直接打字。';
  return '这里还读不了语音：语音跟进目前只在钉钉和企业微信智能机器人里可用（平台会先转成文字）。请用文字发送，例如：/跟进 D-3 已寄样 下次:周五';
}

const SORRY = '抱歉，系统处理这条消息时出错了，已记录。请稍后再试，或联系管理员。';

export function createDispatch(deps: DispatchDeps): Dispatch {
  return async (incoming) => {
    const event = gateEvent(incoming);
    const displayName = event.actor.displayName ?? (await directoryName(deps, event));
    const outcome = await deps.db.transaction(async (tx) => {
      // The claim and the effects commit together: a retry either sees the claim or redoes everything.
      const claimed = await tx
        .insert(inboundEvents)
        .values({ platform: event.platform, eventKey: event.eventKey })
        .onConflictDoNothing()
        .returning({ id: inboundEvents.id });
      if (claimed.length === 0) return { duplicate: true as const };
      return { outcome: await processEvent(tx, deps, event, displayName) };
    });
    if ('duplicate' in outcome) return {};
    deps.onQueued?.();
    return outcome.outcome;
  };
}

/**
 * Everything after the claim, inside the caller's transaction: resolve tenant and user, run the command or card
 * action, queue the replies. Used by the inline dispatch above and by the inbox (src/inbound/inbox.ts).
 */
export async function processEvent(tx: DbOrTx, deps: DispatchDeps, event: InboundEvent, displayName: string | undefined): Promise<DispatchOutcome> {
  const now = deps.now ?? (() => new Date());
  const { tenant, user } = (await findKnownSender(tx, event.platform, event.tenantKey, event.actor.platformUserId)) ?? (await resolveSender(tx, deps, event, displayName));
  const env: CommandEnv = {
    ctx: {
      db: tx,
      actor: toActor(user),
      via: { platform: event.platform, eventKey: event.eventKey },
      now: now(),
      timeZone: tenant.timeZone,
    },
    platform: event.platform,
    chat: event.chat,
    ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}),
  };
  if (!user.active) {
    await queueReplies(tx, tenant.id, event, [{ type: 'text', text: '你的账号已停用，无法操作。如有疑问请联系管理员。' }]);
    return { toast: '账号已停用', toastType: 'error' };
  }
  const result = await savepoint(tx, deps, event, tenant.id, async (sp) => {
    const spEnv = { ...env, ctx: { ...env.ctx, db: sp } };
    if (event.type === 'message') {
      if (event.nonText) return { replies: [{ type: 'text', text: event.nonText === 'voice' || event.nonText === 'audio' ? voiceReply(event) : NON_TEXT }] };
      return { replies: event.spoken ? await spokenFollowUp(spEnv, event.text) : await runChatText(spEnv, event.text) };
    }
    return handleCardAction(spEnv, event);
  });
  await queueReplies(tx, tenant.id, event, result.replies ?? []);
  return { ...(result.toast ? { toast: result.toast, toastType: result.toastType ?? 'info' } : {}), ...(result.card ? { card: result.card } : {}) };
}

/** A sender seen for the first time (or on a tenant key seen for the first time): found or created one by one. */
async function resolveSender(tx: DbOrTx, deps: DispatchDeps, event: InboundEvent, displayName: string | undefined) {
  const tenant = await resolveTenant(tx, event.platform, event.tenantKey, {
    name: deps.defaultTenantName ?? '我的公司',
    timeZone: deps.defaultTimeZone,
  });
  const roleIfNew = event.platform === 'console' ? event.actor.roleIfNew : undefined;
  const user = await resolveUser(tx, {
    tenantId: tenant.id,
    platform: event.platform,
    platformUserId: event.actor.platformUserId,
    ...(displayName ? { displayName } : {}),
    ...(roleIfNew ? { roleIfNew } : {}),
    firstUserIsAdmin: event.platform !== 'console',
  });
  return { tenant, user };
}

/**
 * Runs the work in a savepoint: an unexpected error rolls back its partial writes but keeps the event claim,
 * so the user gets an apology instead of the platform retrying our bug forever (the error is logged).
 */
async function savepoint(
  tx: DbOrTx,
  deps: DispatchDeps,
  event: InboundEvent,
  tenantId: string,
  work: (sp: DbOrTx) => Promise<DispatchOutcome & { replies?: OutboundMessage[] }>,
): Promise<DispatchOutcome & { replies?: OutboundMessage[] }> {
  try {
    return await tx.transaction(work);
  } catch (err) {
    if (isConnectionError(err)) throw err;
    deps.log?.error({ err, platform: event.platform, tenantId, eventKey: event.eventKey, type: event.type }, 'inbound event failed');
    return { replies: [{ type: 'text', text: SORRY }], toast: '处理失败，请稍后再试', toastType: 'error' };
  }
}

/** Database gone: let the whole request fail (5xx) so the platform retries later. */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  const msg = String((err as Error | undefined)?.message ?? '');
  return /^(08|57P0|53)/.test(code) || /ECONNREFUSED|ECONNRESET|CONNECTION_|closed|terminat/i.test(msg + code);
}

async function queueReplies(tx: DbOrTx, tenantId: string, event: InboundEvent, replies: OutboundMessage[]) {
  const via = event.via ? { via: event.via } : {};
  const target: SendTarget =
    event.chat.kind === 'direct'
      ? { tenantKey: event.tenantKey, kind: 'user', id: event.actor.platformUserId, ...via }
      : { tenantKey: event.tenantKey, kind: 'group', id: event.chat.id, ...via };
  for (const message of replies) {
    await enqueue(tx, { tenantId, platform: event.platform, target, payload: { op: 'send', message } });
  }
}

/**
 * Senders known to have a user, per database: identities are never removed, so once known a sender stays known and
 * the check needs no query again (bounded: forgotten wholesale past 50,000).
 */
const knownSenders = new WeakMap<object, Set<string>>();

/** Looks up a first-time sender's name in the platform directory (known users keep the name they have). */
export async function directoryName(deps: DispatchDeps, event: InboundEvent): Promise<string | undefined> {
  if (!deps.lookupName) return undefined;
  let seen = knownSenders.get(deps.db);
  if (!seen) knownSenders.set(deps.db, (seen = new Set()));
  const key = `${event.platform}\u0000${event.tenantKey}\u0000${event.actor.platformUserId}`;
  if (seen.has(key)) return undefined;
  const known = await queryRows(
    deps.db,
    sql`select 1 from user_identities ui join tenant_identities ti on ti.tenant_id = ui.tenant_id and ti.platform = ui.platform
        where ui.platform = ${event.platform} and ti.tenant_key = ${event.tenantKey} and ui.platform_user_id = ${event.actor.platformUserId}
        limit 1`,
  );
  if (known.length > 0) {
    if (seen.size >= 50_000) seen.clear();
    seen.add(key);
    return undefined;
  }
  const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), LOOKUP_TIMEOUT_MS).unref());
  return Promise.race([deps.lookupName(event.platform, event.actor.platformUserId).catch(() => undefined), timeout]);
}
