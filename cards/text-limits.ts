// Cutting text to a platform's limit, shared by every renderer (each platform's numbers are in cards/<platform>/limits.ts).
// Pure; imports nothing.

/** Cuts to at most `n` code points (never inside a surrogate pair), marking the cut with an ellipsis. */
export function clip(text: string, n: number): string {
  const chars = Array.from(text);
  return chars.length <= n ? text : `${chars.slice(0, Math.max(0, n - 1)).join('')}…`;
}

/** Cuts to at most `bytes` UTF-8 bytes on a code-point boundary. */
export function clipBytes(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const b = Buffer.byteLength(ch);
    if (used + b > bytes - 3) break;
    out += ch;
    used += b;
  }
  return `${out}…`;
}
