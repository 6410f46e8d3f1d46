// Answering a numbered choice: "2" after "which did you mean?" runs the stored command for option 2.
import { takeChoice as takeStoredChoice } from '../services/choices.js';
import type { CommandEnv } from './contract.js';

export async function takeChoice(env: CommandEnv, text: string): Promise<string | undefined> {
  const m = /^\s*([1-9])\s*$/.exec(text.normalize('NFKC'));
  if (!m) return undefined;
  return takeStoredChoice(env.ctx, Number(m[1]));
}
