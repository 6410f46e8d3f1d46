// Nudges, escalations and alerts; unique per (subject, kind, episode) so two schedulers send one, not two.
import { pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, ts } from './columns.js';
import { nudgeKind } from './enums.js';
import { tenants } from './tenants.js';

export const nudges = pgTable(
  'nudges',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    /** Deal id, or approval step id for approval reminders. */
    subjectId: uuid('subject_id').notNull(),
    kind: nudgeKind('kind').notNull(),
    /** Which silence/stint this is about, e.g. the deal's last_activity_at as ISO, or the stage. */
    episode: text('episode').notNull(),
    sentAt: ts('sent_at'),
    escalatedAt: ts('escalated_at'),
    snoozedUntil: ts('snoozed_until'),
    createdAt: createdAt(),
  },
  (t) => [unique('nudges_subject_kind_episode').on(t.subjectId, t.kind, t.episode)],
);
