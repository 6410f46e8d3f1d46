// The text gate: every chat message (all platforms and the console) and every CSV cell passes through here before
// anything reads or stores it. Pure: no I/O. Whatever leaves the gate can be stored by PostgreSQL (no NUL, no lone
// surrogates) and looks like what the user sees (no invisible or direction characters that make look-alike names).
import { DomainError } from './errors.js';

/**
 * Invisible, direction-override and filler characters removed outright: zero-width space/joiners and marks
 * (U+200B–U+200F), word joiner and invisible operators (U+2060–U+2064), BOM (U+FEFF), soft hyphen (U+00AD),
 * bidi embeddings/overrides/isolates (U+202A–U+202E, U+2066–U+2069), Hangul fillers (U+3164, U+115F, U+1160,
 * U+FFA0), variation selectors (U+FE00–U+FE0F), and C0/C1 controls except newline and tab.
 */
const INVISIBLE = /[\u200B-\u200F\u2060-\u2064\uFEFF\u00AD\u202A-\u202E\u2066-\u2069\u3164\u115F\u1160\uFFA0\uFE00-\uFE0F\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Longest chat message we read at all (characters after the gate); longer ones are answered, not parsed. */
export const MESSAGE_MAX_CHARS = 10_000;

/**
 * Per-field caps (characters). Chosen so every value fits comfortably in a btree index entry (PostgreSQL refuses
 * entries above ~2,700 bytes, which is what a 6,000-character company name hit) and in a chat card line.
 */
export const FIELD_LIMITS = {
  companyName: { label: '公司名', max: 100 },
  dealTitle: { label: '商机标题', max: 100 },
  contactName: { label: '联系人姓名', max: 50 },
  followUp: { label: '跟进内容', max: 2000 },
  nextStep: { label: '下一步', max: 200 },
  note: { label: '备注', max: 500 },
  reason: { label: '原因', max: 500 },
  comment: { label: '审批意见', max: 500 },
  region: { label: '地区', max: 50 },
  industry: { label: '行业', max: 50 },
  source: { label: '来源', max: 50 },
  phone: { label: '电话', max: 30 },
  tag: { label: '标签', max: 20 },
  teamName: { label: '团队名', max: 64 },
} as const;
export type GatedField = keyof typeof FIELD_LIMITS;

/**
 * Full-width punctuation (，（）：！？ …) is kept as typed: NFKC would turn Chinese prose into ASCII commas and
 * brackets. Everything that reads it (option labels, dedup keys, amounts, phones) accepts both forms.
 */
const FULLWIDTH_PUNCT = /[\uFF01-\uFF0F\uFF1A-\uFF20\uFF3B-\uFF40\uFF5B-\uFF5E]/;
const NOT_FULLWIDTH_PUNCT = new RegExp(`[^${FULLWIDTH_PUNCT.source.slice(1, -1)}]+`, 'g');

/**
 * Cleans one piece of user text: lone surrogates and NUL dropped, NFKC (full-width digits and letters become
 * ASCII, compatibility forms fold; full-width punctuation excepted, see above), invisible/direction/control
 * characters removed, tabs become spaces, CRLF becomes LF. Newlines are kept unless `singleLine`.
 */
export function gateText(input: string, opts: { singleLine?: boolean } = {}): string {
  let s = input.replace(LONE_SURROGATE, '').replace(/\r\n?/g, '\n').replace(/\t/g, ' ');
  s = s.replace(NOT_FULLWIDTH_PUNCT, (run) => run.normalize('NFKC')).replace(INVISIBLE, '');
  if (opts.singleLine) s = s.replace(/\n+/g, ' ');
  return s;
}

/** Drops only what PostgreSQL text/jsonb refuses (NUL, lone surrogates): for ids and keys that must stay exact. */
export function storableText(input: string): string {
  return input.replace(LONE_SURROGATE, '').replace(/\u0000/g, '');
}

/** Applies `storableText` to every string inside a JSON-like value (inbox payloads). */
export function storableJson<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storableJson) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), storableJson(v)])) as T;
  }
  return value;
}

/** Character count as the user sees it (code points, so an emoji counts once). */
export const charCount = (s: string): number => [...s].length;

/** The polite refusal for an over-long field, or undefined when it fits: `公司名最长 100 个字，现在 6000 个字。` */
export function fieldTooLong(field: GatedField, value: string): string | undefined {
  const { label, max } = FIELD_LIMITS[field];
  const n = charCount(value);
  return n > max ? `${label}最长 ${max} 个字，现在 ${n} 个字。` : undefined;
}

/** The refusal for a whole message over MESSAGE_MAX_CHARS, or undefined. */
export function messageTooLong(text: string): string | undefined {
  const n = charCount(text);
  return n > MESSAGE_MAX_CHARS ? `消息太长了：最长 ${MESSAGE_MAX_CHARS} 个字，现在 ${n} 个字。请分几条发送。` : undefined;
}

/** Services call this where a field is taken, so chat, import and any later caller get the same refusal. */
export function assertFieldFits(field: GatedField, value: string | undefined | null): void {
  const problem = value ? fieldTooLong(field, value) : undefined;
  if (problem) throw new DomainError('INVALID_INPUT', problem, { field });
}
