// Inbound platform payloads are data, never objects with behaviour: keys that reach an object's prototype
// (`__proto__`, `constructor`, `prototype`) are dropped at parse time and again before any SDK-flattened object
// is read, so a signed payload cannot set a prototype (Object.assign over `__proto__` would) or hide fields in one.
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON.parse without prototype-reaching keys (the reviver's `undefined` deletes them). Throws like JSON.parse. */
export function parseJsonData(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) => (FORBIDDEN.has(key) ? undefined : value));
}

/** A deep copy of own enumerable data only: inherited fields and prototype-reaching keys are gone. */
export function plainData(value: unknown, depth = 0): unknown {
  if (depth > 64) return undefined;
  if (Array.isArray(value)) return value.map((v) => plainData(v, depth + 1));
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (FORBIDDEN.has(key)) continue;
    const v = plainData((value as Record<string, unknown>)[key], depth + 1);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
