// /推迟 (snooze): postpone this round's overdue reminder by 24 hours, once per silence episode.
import { formatDate } from '../domain/dates.js';
import { dealShortId } from '../services/deals.js';
import { snoozeNudge } from '../services/nudges.js';
import { getSettings } from '../services/settings.js';
import { type CommandSpec, UsageError, text } from './contract.js';
import { resolveDeal } from './resolve.js';

export const snoozeCommand: CommandSpec = {
  id: 'snooze',
  names: ['推迟', 'snooze'],
  usage: '/推迟 <商机>',
  summary: '把超期提醒推迟 24 小时（每轮只能推迟一次）',
  examples: ['/推迟 D-17'],
  async run(env, line) {
    const [ref] = line.args;
    if (!ref) throw new UsageError('请写上商机。');
    const dealFound = await resolveDeal(env, ref, (id) => `/推迟 ${id}`);
    if ('choice' in dealFound) return dealFound.choice;
    const deal = dealFound.found;
    const hours = (await getSettings(env.ctx)).nudges.snoozeHours;
    const until = await snoozeNudge(env.ctx, deal, hours);
    return [text(`好的，${dealShortId(deal)} 的提醒推迟到 ${formatDate(until, env.ctx.timeZone, env.ctx.now)}。记得跟进哦。`)];
  },
};
