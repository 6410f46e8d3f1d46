// One SDK EventDispatcher for both ways in (webhook and long connection): the message and card-callback
// handlers turn events into InboundEvents, run them through the core, and build Feishu's synchronous answer.
import * as lark from '@larksuiteoapi/node-sdk';
import { renderFeishuCard } from '../../cards/feishu/render.js';
import type { Dispatch, DispatchOutcome } from '../../src/adapter.js';
import { plainData } from '../plain-data.js';
import { decodeCardAction, decodeMessageEvent } from './decode.js';
import { sdkLogger, type SinkLogger } from './errors.js';

/** The card callback answer (doc "处理卡片回调"): a toast, and the replacement card for everyone viewing it. */
export function cardAnswer(outcome: DispatchOutcome): Record<string, unknown> {
  const toast = outcome.toast ?? (outcome.card ? '已处理' : undefined);
  return {
    ...(toast ? { toast: { type: outcome.toastType ?? 'info', content: toast } } : {}),
    ...(outcome.card ? { card: { type: 'raw', data: renderFeishuCard(outcome.card) } } : {}),
  };
}

export function createFeishuEvents(opts: { now?: () => number; log?: SinkLogger }) {
  const now = opts.now ?? Date.now;
  let dispatch: Dispatch | undefined;
  const dispatcher = new lark.EventDispatcher({ ...sdkLogger(opts.log) }).register({
    'im.message.receive_v1': async (data: unknown) => {
      // The SDK flattens header and event with Object.assign: read only own data from what it built.
      const event = decodeMessageEvent(plainData(data), new Date(now()));
      if (event && dispatch) await dispatch(event);
      return {};
    },
    'card.action.trigger': async (data: unknown) => {
      const event = decodeCardAction(plainData(data), new Date(now()));
      if (!event || !dispatch) return { toast: { type: 'error', content: '无法识别的操作' } };
      return cardAnswer(await dispatch(event));
    },
  } as Record<string, (data: unknown) => Promise<unknown>>);

  return {
    dispatcher,
    /** Runs an already verified and decrypted event body; returns the JSON to answer with. */
    async handle(body: Record<string, unknown>, d: Dispatch): Promise<unknown> {
      dispatch = d;
      const out = await dispatcher.invoke(plainData(body) as Record<string, unknown>, { needCheck: false });
      // The SDK answers unknown event types with a string; Feishu only needs a 200.
      return typeof out === 'object' && out !== null ? out : {};
    },
    bind(d: Dispatch) {
      dispatch = d;
    },
  };
}

export type FeishuEvents = ReturnType<typeof createFeishuEvents>;
