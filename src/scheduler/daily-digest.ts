// Morning messages: each team's digest to its group chats, and each rep's personal to-do list (opt-out).
// Runs at or after the tenant's digest hour; the (job, day) claim makes it once per day across instances.
// A tenant's unsent team digests are computed together (buildTeamDigests), then each is claimed and sent in its own transaction.
import { and, eq, inArray } from 'drizzle-orm';
import { buildDigestCard } from '../../cards/digest-card.js';
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

export async function runDailyDigests(db: Db, now: Date, instanceId: string): Promise<{ teams: number; personal: number; summaries: number }> {
  let teamsSent = 0;
  let personal = 0;
  let summaries = 0;
  for (const tenant of await allTenantRules(db)) {
    if (!tenant.settings.digest.enabled) continue;
    if (wallClock(now, tenant.timeZone).hour < tenant.settings.digest.hour) continue;
    if (isQuiet(now, tenant.timeZone, tenant.settings.quietHours)) continue;
    const { date } = yesterdayWindow(now, tenant.timeZone);
    teamsSent += await sendTeamDigests(db, tenant, now, date, instanceId);
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

async function sendTeamDigests(db: Db, tenant: TenantRules, now: Date, date: string, instanceId: string) {
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
      sent += await db.transaction(async (tx) => {
        if (!(await claimSlot(tx, `digest:${team.id}`, date, instanceId))) return 0;
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
        });
        const chats = await tx
          .select({ platform: teamChats.platform, chatId: teamChats.chatId, tenantKey: tenantIdentities.tenantKey })
          .from(teamChats)
          .leftJoin(tenantIdentities, and(eq(tenantIdentities.tenantId, tenant.id), eq(tenantIdentities.platform, teamChats.platform)))
          .where(eq(teamChats.teamId, team.id));
        for (const chat of chats) {
          await enqueue(tx, {
            tenantId: tenant.id,
            platform: chat.platform,
            target: { tenantKey: chat.tenantKey ?? chat.platform, kind: chat.platform === 'wecom' ? 'webhook' : 'group', id: chat.chatId },
            payload: { op: 'send', message: { type: 'card', card } },
            dedupKey: `digest:${team.id}:${date}:${chat.platform}:${chat.chatId}`,
          });
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
