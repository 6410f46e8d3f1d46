// Chat text → command name + arguments: slash prefix (half- or full-width), quoted names, `key:value` options.

export interface ParsedLine {
  /** Command name as typed, lower-cased, without the slash. */
  name: string;
  /** Positional arguments (quotes removed). */
  args: string[];
  /** `下一步:寄样`, `next:…` … keyed by the option's canonical name. */
  options: Record<string, string>;
  /** Everything after the command name, untouched. */
  rest: string;
}

/** Option names and their aliases; an option's value runs until the next option or the end. */
const OPTION_ALIASES: Record<string, string> = {
  下一步: 'next',
  需求: 'next',
  next: 'next',
  下次: 'due',
  下次跟进: 'due',
  due: 'due',
  类型: 'kind',
  方式: 'kind',
  kind: 'kind',
  备注: 'note',
  note: 'note',
  电话: 'phone',
  手机: 'phone',
  phone: 'phone',
  tel: 'phone',
  地区: 'region',
  region: 'region',
  行业: 'industry',
  industry: 'industry',
  等级: 'grade',
  grade: 'grade',
  来源: 'source',
  source: 'source',
  金额: 'amount',
  amount: 'amount',
  折扣: 'discount',
  discount: 'discount',
  标题: 'title',
  title: 'title',
  // Answers to the "maybe the same company" card (/新客户): use that customer, or create anyway.
  选用: 'use',
  新建: 'create',
};

// Longest first, so `下次跟进:` is not read as `下次` + `跟进:`. Half- and full-width colons both work.
const OPTION_RE = new RegExp(`(?:^|\\s)(${Object.keys(OPTION_ALIASES).sort((a, b) => b.length - a.length).join('|')})\\s*[:：]`, 'gi');

export function parseLine(text: string): ParsedLine | undefined {
  const m = /^\s*[/／]\s*(\S+)\s*([\s\S]*)$/.exec(text);
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  const rest = m[2]!.trim();
  const { positional, options } = splitOptions(rest);
  return { name, args: tokenize(positional), options, rest };
}

/** Splits `内容 下一步:寄样 下次:明天` into the positional part and the options. */
export function splitOptions(text: string): { positional: string; options: Record<string, string> } {
  const marks: Array<{ key: string; start: number; valueStart: number }> = [];
  for (const m of text.matchAll(OPTION_RE)) {
    const key = OPTION_ALIASES[m[1]!.toLowerCase()] ?? OPTION_ALIASES[m[1]!];
    if (!key) continue;
    marks.push({ key, start: m.index!, valueStart: m.index! + m[0].length });
  }
  const options: Record<string, string> = {};
  marks.forEach((mark, i) => {
    const end = marks[i + 1]?.start ?? text.length;
    options[mark.key] = text.slice(mark.valueStart, end).trim();
  });
  return { positional: (marks[0] ? text.slice(0, marks[0].start) : text).trim(), options };
}

/** Whitespace-separated tokens (full-width spaces too); "double" or “Chinese” quotes keep spaces inside a token. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|“([^”]*)”|「([^」]*)」|(\S+)/g;
  for (const m of text.replace(/\u3000/g, ' ').matchAll(re)) {
    tokens.push((m[1] ?? m[2] ?? m[3] ?? m[4] ?? '').trim());
  }
  return tokens.filter((t) => t.length > 0);
}
