// /帮助 (help): the command list, or one command's usage and examples.
import { joinText, md } from '../../cards/markup.js';
import type { CommandSpec } from './contract.js';
import { markdown } from './contract.js';

export function usageText(spec: CommandSpec): string {
  return [`用法：${spec.usage}`, `说明：${spec.summary}`, ...spec.examples.map((e) => `例如：${e}`)].join('\n');
}

export function helpCommand(all: () => CommandSpec[], find: (name: string) => CommandSpec | undefined): CommandSpec {
  return {
    id: 'help',
    names: ['帮助', 'help', '?', '？'],
    usage: '/帮助 [命令]',
    summary: '查看所有命令，或某个命令的用法',
    examples: ['/帮助', '/帮助 跟进'],
    async run(_env, line) {
      const name = line.args[0]?.replace(/^[/／]/, '');
      if (name) {
        const spec = find(name);
        if (spec) return [markdown(usageText(spec), `/${spec.names[0]}`)];
      }
      const lines = all().map((s) => md`- ${`/${s.names[0]}（/${s.names.find((n) => /^[a-z]/.test(n)) ?? s.id}）${s.summary}`}`);
      lines.push(
        md``,
        md`名字可以用客户名/商机编号（如 D-17）；直接发一句话提到你的客户，会自动记为跟进。`,
        md`拿不准的内容请用标注写清楚（中英文冒号都行）：${'电话: 地区: 行业: 等级: 金额: 折扣: 标题: 下次:（phone: region: industry: grade: amount: discount: title: due:）'}。`,
        md`金额要大于 0、不超过 10亿；折扣在 0%–100% 之间；下次跟进的日期不能是过去。`,
      );
      return [markdown(joinText(lines), 'ChatCRM 命令')];
    },
  };
}
