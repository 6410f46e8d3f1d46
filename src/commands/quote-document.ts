// /报价单 (quote-pdf): the PDF quote of an approved quote, sent again as a file (it is also sent when approved).
import { quoteDocumentFor } from '../services/quote-document.js';
import { type CommandSpec, UsageError, text } from './contract.js';

export const quoteDocumentCommand: CommandSpec = {
  id: 'quote-pdf',
  names: ['报价单', 'quote-pdf', 'quotepdf'],
  usage: '/报价单 <Q-3 | A-12 | D-17>',
  summary: '取回已批准报价的 PDF 报价单（写商机号时取它最近一次批准的报价）',
  examples: ['/报价单 Q-3', '/报价单 D-17'],
  async run(env, line) {
    const [ref] = line.args;
    if (!ref) throw new UsageError('请写上报价单号、审批号或商机号，例如：/报价单 Q-3');
    const { quoteNo, message } = await quoteDocumentFor(env.ctx, ref);
    return [text(`报价单 ${quoteNo}：PDF 见下一条消息「${message.fileName}」。`), message];
  },
};
