// Commands contributed by later features (approvals, settings, handover, record upkeep, merge), kept out of run.ts's core list.
import { approveCommand, quoteCommand, rejectCommand, withdrawCommand } from './approve.js';
import { reopenCommand } from './deal.js';
import { acceptHandoverCommand, handoverCommand } from './handover.js';
import { mergeCommand } from './merge.js';
import { contactCommand, editCommand, tagCommand } from './records.js';
import type { CommandSpec } from './registry.js';
import { settingsCommand } from './settings.js';
import { snoozeCommand } from './snooze.js';

export const extraCommands: CommandSpec[] = [
  editCommand,
  tagCommand,
  contactCommand,
  reopenCommand,
  quoteCommand,
  approveCommand,
  rejectCommand,
  withdrawCommand,
  snoozeCommand,
  settingsCommand,
  handoverCommand,
  acceptHandoverCommand,
  mergeCommand,
];
