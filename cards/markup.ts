// Text in cards and messages is either ours or the user's. `md` templates keep the two apart: the literal parts of a
// template are our markup (`**bold**`, a leading `- `), every interpolated value is user text that each renderer
// escapes for its own platform. A bare string is always user text, so forgetting `md` loses formatting, never safety.
// Pure; imports nothing.

export interface MarkupPart {
  /** True for our template text (may carry `**` and line-start `- `); false for user text (always escaped). */
  readonly ours: boolean;
  readonly text: string;
}

export interface Markup {
  readonly kind: 'markup';
  readonly parts: readonly MarkupPart[];
}

/** A piece of displayable text: a bare string is user text; a Markup mixes our template with user text. */
export type Text = string | Markup;

export function isMarkup(t: unknown): t is Markup {
  return typeof t === 'object' && t !== null && (t as Markup).kind === 'markup';
}

function partsOf(t: Text | number): MarkupPart[] {
  if (isMarkup(t)) return [...t.parts];
  return [{ ours: false, text: String(t) }];
}

/** Tagged template: `md\`**备注**：${note}\`` — the literals are ours, `${…}` values are user text (or nested md). */
export function md(strings: TemplateStringsArray, ...values: Array<Text | number>): Markup {
  const parts: MarkupPart[] = [];
  strings.forEach((s, i) => {
    if (s) parts.push({ ours: true, text: s });
    if (i < values.length) parts.push(...partsOf(values[i]!));
  });
  return { kind: 'markup', parts };
}

/** Our own text with no user content, e.g. a fixed heading. */
export function ours(text: string): Markup {
  return { kind: 'markup', parts: [{ ours: true, text }] };
}

/** Joins lines (dropping empty/false entries) with our separator. */
export function joinText(items: Array<Text | false | undefined | null | ''>, sep = '\n'): Markup {
  const parts: MarkupPart[] = [];
  items.filter((x): x is Text => Boolean(x)).forEach((t, i) => {
    if (i > 0) parts.push({ ours: true, text: sep });
    parts.push(...partsOf(t));
  });
  return { kind: 'markup', parts };
}

/** Renders for one platform: user parts through `escape`, our parts through `own` (as-is by default). */
export function renderText(t: Text, escape: (s: string) => string, own: (s: string) => string = (s) => s): string {
  return partsOf(t).map((p) => (p.ours ? own(p.text) : escape(p.text))).join('');
}

/** The visible text with our markup removed (console, text fallbacks, logs). */
export function plainText(t: Text): string {
  return renderText(t, (s) => s, (s) => s.replace(/\*\*/g, ''));
}
