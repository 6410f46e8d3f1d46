// Morning messages: each team's digest to its group chats, and each rep's personal to-do list (opt-out).
// Runs at or after the tenant's digest hour; the (job, day) claim makes it once per day across instances.
// A tenant's unsent team digests are computed together (buildTeamDigests), then each is claimed and sent in its own transaction.
import { and, eq, inArray } from 'drizzle-orm';
import { buildDigestCard } from '../../cards/digest-card.js';
import type { Card, CardLink } from '../../cards/model.js';
import type { OutboundMessage, Platform, SendTarget } from '../adapter.js';
import { renderChartPng } from '../documents/digest-chart.js';
import type { Db } from '../db/client.js';
import { schedulerRuns, teamChats, teams, tenantIdentities, users } from '../db/schema/index.js';
import { wallClock } from '../domain/dates.js';
import { isQuiet } from '../domain/quiet-hours.js';
import { enqueue } from '../outbox/enqueue.js';
import { buildTeamDigests, yesterdayWindow } from '../services/digests.js';
import { allTenantRules, type TenantRules } from '../services/tenant-settings.js';
import { morningTodoMessage } from '../services/morning-todo.js';
import { notifyUser } from '../outbox/enqueue.js';
import { claimSlot } from './claim.js';
import { alertSummaryJob, directorAlertSummary } from '../services/alert-summary.js';
import { usersWithRole } from '../services/users.js';

export interface DigestOptions {
  /** The server's public address (src/compose.ts publicUrlOf): every team digest links to the dashboard under it. */
  publicUrl?: string;
  log?: { error(obj: object, msg?: string): void };
}

export async function runDailyDigests(db: Db, now: Date, instanceId: string, opts: DigestOptions = {}): Promise<{ teams: number; personal: number; summaries: number }> {
  let teamsSent = 0;
  let personal = 0;
  let summaries = 0;
  for (const tenant of await allTenantRules(db)) {
    if (!tenant.settings.digest.enabled) continue;
    if (wallClock(now, tenant.timeZone).hour < tenant.settings.digest.hour) continue;
    if (isQuiet(now, tenant.timeZone, tenant.settings.quietHours)) continue;
    const { date } = yesterdayWindow(now, tenant.timeZone);
    teamsSent += await sendTeamDigests(db, tenant, now, date, instanceId, opts);
    personal += await sendMorningTodos(db, tenant, now, date, instanceId);
    summaries += await sendDirectorSummaries(db, tenant, now, date, instanceId);
  }
  return { teams: teamsSent, personal, summaries };
}

/** Each sales director's one daily message of the stagnant deals and silent quotes raised since the last one. */
async function sendDirectorSummaries(db: Db, tenant: TenantRules, now: Date, date: string, instanceId: string) {
  let sent = 0;
  for (const director of await usersWithRole(db, tenant.id, 'director')) {
    sent += await db.transaction(async (tx) => {
      const message = await directorAlertSummary(tx, tenant, director.id, date, now);
      if (!(await claimSlot(tx, alertSummaryJob(director.id), date, instanceId)) || !message) return 0;
      await notifyUser(tx, tenant.id, director.id, message, { dedupKey: `alert-summary:${director.id}:${date}` });
      return 1;
    });
  }
  return sent;
}

const quietDays = (t: TenantRules) => (t.settings.quietHours.enabled ? t.settings.quietHours.days : []);

/** Teams per round: their unsent digests are computed together (a few grouped queries), then sent one by one. */
const DIGEST_CHUNK = 500;

/** Where a digest's reader signs in to the dashboard: the platform's sign-in route, the plain page for the console. */
export function dashboardLink(publicUrl: string, platform: Platform): CardLink {
  return { label: '打开销售看板，查看详情', url: platform === 'console' ? `${publicUrl}/app` : `${publicUrl}/app/auth/${platform}` };
}

/**
 * The chart as a PNG for the chats that cannot draw it (every platform but Feishu), or nothing: a chart that fails
 * to draw or is too large is logged and left out, and the text digest goes alone.
 */
async function chartImage(card: Card, teamId: string, date: string, log: DigestOptions['log']): Promise<Extract<OutboundMessage, { type: 'image' }> | undefined> {
  if (!card.chart) return undefined;
  try {
    const { png } = await renderChartPng(card.chart, card.title.replace(/^📊 /, ''));
    return { type: 'image', fileName: `战报-${date}.png`, mimeType: 'image/png', base64: png.toString('base64') };
  } catch (err) {
    log?.error({ err, teamId }, 'digest chart not drawn; the text digest goes alone');
    return undefined;
  }
}

async function sendTeamDigests(db: Db, tenant: TenantRules, now: Date, date: string, instanceId: string, opts: DigestOptions) {
  let sent = 0;
  const rows = await db.select().from(teams).where(and(eq(teams.tenantId, tenant.id), eq(teams.digestEnabled, true)));
  for (let i = 0; i < rows.length; i += DIGEST_CHUNK) {
    const chunk = rows.slice(i, i + DIGEST_CHUNK);
    // Skip teams already sent today (the claim below stays the authority) so reruns after the hour cost one query.
    const done = new Set(
      (
        await db
          .select({ job: schedulerRuns.job })
          .from(schedulerRuns)
          .where(and(eq(schedulerRuns.slot, date), inArray(schedulerRuns.job, chunk.map((t) => `digest:${t.id}`))))
      ).map((r) => r.job),
    );
    const pending = chunk.filter((t) => !done.has(`digest:${t.id}`));
    if (pending.length === 0) continue;
    const labels = tenant.settings.pipeline.labels;
    const digests = await buildTeamDigests(db, tenant.id, pending, now, tenant.timeZone, tenant.settings.nudges.silenceHours, quietDays(tenant));
    for (const [k, team] of pending.entries()) {
      const digest = digests[k]!;
      const card = buildDigestCard({
        teamName: digest.teamName,
        date: digest.date,
        ...(digest.movedDays > 1 ? { movedLabel: `近 ${digest.movedDays} 天动态（自上次战报）` } : {}),
        pipeline: digest.pipeline.map((p) => ({ stage: labels[p.stage], count: p.count, amountFen: p.amountFen })),
        moved: digest.moved,
        overdue: digest.overdue,
        approvalsWaiting: digest.approvalsWaiting,
        conversion: digest.conversion.map((c) => ({ from: labels[c.from], to: labels[c.to], rate: c.rate })),
        avgCycleDays: digest.avgCycleDays,
        collection: digest.collection,
        performance: digest.performance,
        trend: digest.trend,
      });
      const chats = await db
        .select({ platform: teamChats.platform, chatId: teamChats.chatId, tenantKey: tenantIdentities.tenantKey })
        .from(teamChats)
        .leftJoin(tenantIdentities, and(eq(tenantIdentities.tenantId, tenant.id), eq(tenantIdentities.platform, teamChats.platform)))
        .where(eq(teamChats.teamId, team.id));
      // Drawn before the transaction (0.2–0.7 s on resvg's thread, measured by `npm run bench -- chart`), only when some
      // chat needs the picture; a run that then loses the claim to another instance has drawn it for nothing.
      const image = chats.some((c) => c.platform !== 'feishu') ? await chartImage(card, team.id, date, opts.log) : undefined;
      sent += await db.transaction(async (tx) => {
        if (!(await claimSlot(tx, `digest:${team.id}`, date, instanceId))) return 0;
        for (const chat of chats) {
          const target: SendTarget = { tenantKey: chat.tenantKey ?? chat.platform, kind: chat.platform === 'wecom' ? 'webhook' : 'group', id: chat.chatId };
          const key = `${team.id}:${date}:${chat.platform}:${chat.chatId}`;
          // Feishu shows the chart in the card; elsewhere the picture follows the text as its own row, so a
          // picture the platform refuses or cannot take is retried or dropped on its own and never holds back the text.
          const shown: Card = { ...card, ...(opts.publicUrl ? { link: dashboardLink(opts.publicUrl, chat.platform) } : {}) };
          if (chat.platform !== 'feishu') delete shown.chart;
          await enqueue(tx, { tenantId: tenant.id, platform: chat.platform, target, payload: { op: 'send', message: { type: 'card', card: shown } }, dedupKey: `digest:${key}` });
          if (image && chat.platform !== 'feishu') {
            await enqueue(tx, { tenantId: tenant.id, platform: chat.platform, target, payload: { op: 'send', message: image }, dedupKey: `digest-chart:${key}` });
          }
        }
        return 1;
      });
    }
  }
  return sent;
}

async function sendMorningTodos(db: Db, tenant: TenantRules, now: Date, date: string, instanceId: string) {
  let sent = 0;
  const people = await db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenant.id), eq(users.active, true), eq(users.morningDigest, true)));
  for (const person of people) {
    sent += await db.transaction(async (tx) => {
      if (!(await claimSlot(tx, `morning:${person.id}`, date, instanceId))) return 0;
      const message = await morningTodoMessage(tx, person, tenant, now); // undefined after noon or with nothing due
      if (!message) return 0;
      await notifyUser(tx, tenant.id, person.id, message, { dedupKey: `morning:${person.id}:${date}` });
      return 1;
    });
  }
  return sent;
}
