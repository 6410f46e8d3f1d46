// Approval requests, their parallel steps (approver fixed at request time), and every sent copy of the card.
import { index, integer, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tenantId, ts } from './columns.js';
import { approvalStatus, approvalStepStatus, approverRole, platform } from './enums.js';
import { quotes } from './quotes.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

export const approvalRequests = pgTable(
  'approval_requests',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    /** Short human number per tenant: A-12. */
    shortNo: integer('short_no').notNull(),
    quoteId: uuid('quote_id')
      .notNull()
      .references(() => quotes.id),
    requesterId: uuid('requester_id')
      .notNull()
      .references(() => users.id),
    status: approvalStatus('status').notNull().default('pending'),
    closedAt: ts('closed_at'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('approval_requests_tenant_short_no').on(t.tenantId, t.shortNo),
    index('approval_requests_quote').on(t.quoteId),
    // The daily digest counts a team's pending requests by requester.
    index('approval_requests_requester_status').on(t.requesterId, t.status),
  ],
);

export const approvalSteps = pgTable(
  'approval_steps',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    requestId: uuid('request_id')
      .notNull()
      .references(() => approvalRequests.id),
    role: approverRole('role').notNull(),
    /** Resolved from roles/reporting line when the request was made; later role changes do not rewrite it. */
    approverId: uuid('approver_id')
      .notNull()
      .references(() => users.id),
    /** Set when the role's holder was the requester and the step went up the reporting line instead. */
    reroutedFromId: uuid('rerouted_from_id').references(() => users.id),
    /** Set when the step's earlier approver was deactivated (admin API, /交接) and the step moved to `approverId`. */
    reassignedFromId: uuid('reassigned_from_id').references(() => users.id),
    status: approvalStepStatus('status').notNull().default('pending'),
    comment: text('comment'),
    decidedAt: ts('decided_at'),
    remindedAt: ts('reminded_at'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('approval_steps_request_role').on(t.requestId, t.role),
    index('approval_steps_approver_status').on(t.approverId, t.status),
  ],
);

/** Each copy of a card we sent (per approver, per platform), so a closed request updates every copy in place. */
export const sentCards = pgTable(
  'sent_cards',
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id),
    /** 'approval' | 'nudge' | … and the id of that entity. */
    subjectKind: text('subject_kind').notNull(),
    subjectId: uuid('subject_id').notNull(),
    userId: uuid('user_id').references(() => users.id),
    platform: platform('platform').notNull(),
    messageId: text('message_id'),
    cardRef: text('card_ref'),
    createdAt: createdAt(),
  },
  (t) => [index('sent_cards_subject').on(t.subjectKind, t.subjectId)],
);
