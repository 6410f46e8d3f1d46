export { runChatText } from './run.js';
export type { CommandEnv, CommandSpec } from './contract.js';
export { spokenFollowUp, voiceDecisionReply } from './voice.js';
