// Morning messages: each team's digest to its group chats, and each rep's personal to-do list (opt-out).
// Runs at or after the tenant's digest hour; the (job, day) claim makes it once per day across instances.
// A tenant's unsent team digests are computed together (buildTeamDigests); then each team's day is claimed with its
// text digests queued in one transaction, and only then is its chart picture drawn and queued in a second one.
import { and, eq, inArray } from 'drizzle-orm';
import { buildDigestCard } from '../../cards/digest-card.js';
import type { Card, CardChart, CardLink } from '../../cards/model.js';
import type { OutboundMessage, Platform, SendTarget } from '../adapter.js';
import { releaseChartFonts, renderChartPng } from '../documents/digest-chart.js';
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
  /** Draws the chart picture (default: src/documents/digest-chart.ts renderChartPng); a seam for tests of a failing draw. */
  drawChart?: (chart: CardChart, title: string) => Promise<{ png: Buffer }>;
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
  // The pictures of this run are drawn: the font subsetter's memory goes back until tomorrow's run.
  if (teamsSent > 0) releaseChartFonts();
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
async function chartImage(card: Card, where: { tenantId: string; teamId: string; date: string }, opts: DigestOptions): Promise<Extract<OutboundMessage, { type: 'image' }> | undefined> {
  if (!card.chart) return undefined;
  try {
    const { png } = await (opts.drawChart ?? renderChartPng)(card.chart, card.title.replace(/^📊 /, ''));
    return { type: 'image', fileName: `战报-${where.date}.png`, mimeType: 'image/png', base64: png.toString('base64') };
  } catch (err) {
    opts.log?.error({ err, ...where }, 'digest chart not drawn; the text digest goes alone');
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
      const targets = chats.map((chat) => {
        const target: SendTarget = { tenantKey: chat.tenantKey ?? chat.platform, kind: chat.platform === 'wecom' ? 'webhook' : 'group', id: chat.chatId };
        return { platform: chat.platform, target, key: `${team.id}:${date}:${chat.platform}:${chat.chatId}` };
      });
      // The claim and the text digests commit together: once the day is claimed the text goes, whatever happens to
      // the picture after (a crash, a failed draw). Feishu shows the chart in the card; elsewhere the card goes alone.
      const claimed = await db.transaction(async (tx) => {
        if (!(await claimSlot(tx, `digest:${team.id}`, date, instanceId))) return false;
        for (const t of targets) {
          const shown: Card = { ...card, ...(opts.publicUrl ? { link: dashboardLink(opts.publicUrl, t.platform) } : {}) };
          if (t.platform !== 'feishu') delete shown.chart;
          await enqueue(tx, { tenantId: tenant.id, platform: t.platform, target: t.target, payload: { op: 'send', message: { type: 'card', card: shown } }, dedupKey: `digest:${t.key}` });
        }
        return true;
      });
      if (!claimed) continue; // another instance has the day: nothing drawn for nothing
      sent += 1;
      // Then the picture, drawn outside any transaction (~30 ms, `npm run bench -- chart`) and only when some chat
      // needs it, queued in a short transaction of its own after the texts, so each picture follows its text as a row
      // of its own: a picture the platform refuses or cannot take is retried or dropped alone, never holding back the text.
      const needPicture = targets.filter((t) => t.platform !== 'feishu');
      if (needPicture.length === 0) continue;
      const image = await chartImage(card, { tenantId: tenant.id, teamId: team.id, date }, opts);
      if (!image) continue;
      try {
        await db.transaction(async (tx) => {
          for (const t of needPicture) {
            await enqueue(tx, { tenantId: tenant.id, platform: t.platform, target: t.target, payload: { op: 'send', message: image }, dedupKey: `digest-chart:${t.key}` });
          }
        });
      } catch (err) {
        opts.log?.error({ err, tenantId: tenant.id, teamId: team.id, date }, 'digest chart not queued; the text digest went alone');
      }
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
