export { runChatText, commandList, findCommand } from './run.js';
export type { CommandEnv, CommandSpec } from './registry.js';
