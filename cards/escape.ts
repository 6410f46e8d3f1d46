// Escaping user text for the chat platforms' markdown dialects. Pure; imports nothing.
// None of WeCom, DingTalk or Feishu documents backslash escapes for its markdown subset (and WeCom/DingTalk show the
// backslash), so markup characters in user text become their full-width forms: no renderer parses `［x］（y）` as a
// link or `＃` as a heading, and NFKC maps each back to what the user typed, so the text reads the same.

const FULL_WIDTH: Record<string, string> = {
  '*': '＊', _: '＿', '~': '～', '`': '｀', '[': '［', ']': '］', '<': '＜', '>': '＞', '#': '＃', '|': '｜',
  '\\': '＼', '&': '＆', '$': '＄',
};

/** Controls that could reorder or hide what an approver sees (C0 except tab/newline, bidi overrides, isolates). */
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Neutralises every markdown/HTML construct in user text: inline markers, tags and entities (`<font>`, `<at>`),
 * links and images, `scheme://` autolinks (`dtmd://` included) and line-start markers (lists, quotes, headings,
 * setext underlines, ordered lists). `keep` lists characters the caller escapes another way (Feishu: `<>&`).
 */
export function neutralizeMarkdown(text: string, keep = ''): string {
  return text
    .replace(INVISIBLE, '')
    .replace(/[*_~`[\]<>#|\\&$]/g, (c) => (keep.includes(c) ? c : FULL_WIDTH[c]!))
    .replace(/:\/\//g, '：//')
    .replace(/(^|\n)([ \t]*)([-+=])/g, (_m, nl: string, sp: string, c: string) => `${nl}${sp}${c === '-' ? '－' : c === '+' ? '＋' : '＝'}`)
    .replace(/(^|\n)([ \t]*\d+)([.)])/g, (_m, nl: string, n: string, c: string) => `${nl}${n}${c === '.' ? '．' : '）'}`);
}

/** Plain-text surfaces (terminal, plain_text fields) only lose the invisible controls. */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/**
 * A link target of ours (a configured address) for markdown: http(s) only, with every character that could end or
 * break out of a markdown link (`( ) < > [ ] " ' \``, spaces) percent-encoded. Anything else gives undefined: no link.
 */
export function markdownUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  return u.href.replace(/[()<>[\]"'`\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
