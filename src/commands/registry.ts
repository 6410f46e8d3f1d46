// The command registry: every command, looked up by any of its Chinese or English names (case-insensitive).
import { approveCommand, quoteCommand, rejectCommand, withdrawCommand } from './approve.js';
import type { CommandSpec } from './contract.js';
import { customerCommand } from './customer.js';
import { dealCommand, lostCommand, reopenCommand, stageCommand } from './deal.js';
import { acceptHandoverCommand, handoverCommand } from './handover.js';
import { helpCommand } from './help.js';
import { logCommand, undoCommand } from './log.js';
import { mergeCommand } from './merge.js';
import { assignCommand, claimCommand, customersCommand, leadCommand, poolCommand } from './pool.js';
import { contactCommand, editCommand, tagCommand } from './records.js';
import { settingsCommand } from './settings.js';
import { snoozeCommand } from './snooze.js';
import { quoteDocumentCommand } from './quote-document.js';
import { dashboardCommand } from './dashboard.js';
import { pipelineCommand, showCommand, teamCommand, todoCommand } from './views.js';

/** In the order /帮助 lists them. */
const specs: CommandSpec[] = [
  customerCommand,
  leadCommand,
  dealCommand,
  logCommand,
  stageCommand,
  lostCommand,
  todoCommand,
  teamCommand,
  showCommand,
  customersCommand,
  pipelineCommand,
  dashboardCommand,
  undoCommand,
  editCommand,
  tagCommand,
  contactCommand,
  reopenCommand,
  quoteCommand,
  quoteDocumentCommand,
  approveCommand,
  rejectCommand,
  withdrawCommand,
  snoozeCommand,
  settingsCommand,
  handoverCommand,
  acceptHandoverCommand,
  mergeCommand,
  poolCommand,
  claimCommand,
  assignCommand,
];
const byName = new Map<string, CommandSpec>();
const help = helpCommand(() => specs.concat(help), (n) => byName.get(n.toLowerCase()));
for (const spec of [...specs, help]) for (const n of spec.names) byName.set(n.toLowerCase(), spec);

/** The command one of whose names is `name`, if any. */
export const commandNamed = (name: string): CommandSpec | undefined => byName.get(name.toLowerCase());
