// Commands contributed by later features (approvals, settings, handover, merge), kept out of run.ts's core list.
import { approveCommand, quoteCommand, rejectCommand } from './approve.js';
import { acceptHandoverCommand, handoverCommand } from './handover.js';
import { mergeCommand } from './merge.js';
import type { CommandSpec } from './registry.js';
import { settingsCommand } from './settings.js';
import { snoozeCommand } from './snooze.js';

export const extraCommands: CommandSpec[] = [quoteCommand, approveCommand, rejectCommand, snoozeCommand, settingsCommand, handoverCommand, acceptHandoverCommand, mergeCommand];
