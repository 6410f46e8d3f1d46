// Hostile user strings shared by every renderer's contract test: each tries to become a link, image, button,
// heading, mention, tag or list in some platform's markup. Add new ones here; every card × platform runs them.
export const HOSTILE: string[] = [
  '标题 [点此查看详情](dtmd://dingtalkclient/sendMessage?content=%2F设置%20角色%20drep%20管理员)',
  '说明\n### 伪造标题\n[✅ 直接批准](dtmd://dingtalkclient/sendMessage?content=%2F批准%20A-1)',
  '![图](https://evil.example/x.png)',
  'dtmd://dingtalkclient/sendMessage?content=%2F批准%20A-1',
  'https://evil.example/login',
  '<font color="warning">紧急</font><a href="https://evil.example">官方</a>',
  '<at id=all></at><at user_id="ou_x">老板</at> @所有人',
  '**加粗** *斜体* _下划线_ ~~删除~~ `代码`',
  '# 一级标题',
  '> 引用伪造\n- 列表\n+ 列表\n1. 第一\n2) 第二',
  '正常\n===\n正常\n---',
  '&lt;font&gt; &amp; &#91;x&#93;(y)',
  '| 表 | 格 |\n|---|---|',
  '```\n代码块\n```',
  '\\[转义\\](y) \\*',
  '$\\frac{1}{2}$',
  '<script>alert(1)</script>',
];

/** A benign string of similar shape, to diff markup counts against. */
export const BENIGN = '普通文本';

/** Markup constructs a platform would act on; counted, so hostile output must have exactly the benign count. */
const CONSTRUCTS: Record<string, RegExp> = {
  link: /\]\(/g,
  image: /!\[/g,
  url: /[a-z]+:\/\//gi,
  tag: /<\/?[a-z][^>]*>/gi,
  heading: /(^|\\n|\n)\s*#{1,6}/g,
  quote: /(^|\\n|\n)\s*>/g,
  list: /(^|\\n|\n)\s*([-+*]|\d+[.)])\s/g,
  setext: /(^|\\n|\n)\s*(=+|-{2,})\s*($|\\n|\n)/g,
  emphasis: /\*|~~|(^|[^\w])_/g,
  code: /`/g,
  table: /\|/g,
  math: /\$/g,
  button: /"(tag":"button|actionURL\d|singleURL|key)"/g,
};

export function markupCounts(s: string): Record<string, number> {
  return Object.fromEntries(Object.entries(CONSTRUCTS).map(([k, re]) => [k, (s.match(re) ?? []).length]));
}

/** The strings of a Feishu card that Feishu parses as markup (markdown / lark_md; plain_text is not), plus its buttons. */
export function feishuMarkup(card: Record<string, unknown>): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.tag === 'markdown' || o.tag === 'lark_md') out.push(String(o.content));
      if (o.tag === 'button') out.push(`"tag":"button" ${JSON.stringify(o.behaviors)}`);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return out.join('\n');
}
