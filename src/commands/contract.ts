// What a command is: its spec (canonical id, Chinese and English names, usage), what it runs with, the reply
// helpers, and the errors a handler may raise. The list of commands is ./registry.ts.
import type { Text } from '../../cards/markup.js';
import type { ChatRef, OutboundMessage, Platform } from '../adapter.js';
import type { Card } from '../../cards/model.js';
import type { Ctx } from '../services/context.js';
import type { ParsedLine } from './parse.js';

export interface CommandEnv {
  ctx: Ctx;
  platform: Platform;
  chat: ChatRef;
  /** The dashboard's address (CHATCRM_PUBLIC_URL, or this server's), for /看板 links. */
  publicUrl?: string;
}

export interface CommandSpec {
  /** Canonical English id, e.g. `log`. */
  id: string;
  /** Every name that invokes it, Chinese first: ['跟进', 'log']. */
  names: string[];
  usage: string;
  summary: string;
  examples: string[];
  run(env: CommandEnv, line: ParsedLine): Promise<OutboundMessage[]>;
}

/** Bad or missing arguments: the reply is the command's usage with the reason on top. */
export class UsageError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UsageError';
  }
}

export const text = (t: string): OutboundMessage => ({ type: 'text', text: t });
export const markdown = (t: Text, title?: string): OutboundMessage => ({ type: 'markdown', text: t, ...(title ? { title } : {}) });
export const card = (c: Card): OutboundMessage => ({ type: 'card', card: c });
