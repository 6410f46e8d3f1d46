// Commands contributed by later features (approvals, settings, handover), kept out of run.ts's core list.
import type { CommandSpec } from './registry.js';

export const extraCommands: CommandSpec[] = [];
