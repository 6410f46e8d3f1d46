// The reporting line's one rule: nobody may end up above themselves. Pure; callers hand in who reports to whom.

/**
 * The loop through `start` in the manager map (person → their manager), as the path start → … → start, or
 * undefined when walking up from `start` ends or enters a loop that does not pass through `start`.
 */
export function loopThrough(managerOf: ReadonlyMap<string, string>, start: string): string[] | undefined {
  const path = [start];
  const seen = new Set(path);
  for (let k = managerOf.get(start); k !== undefined; k = managerOf.get(k)) {
    path.push(k);
    if (k === start) return path;
    if (seen.has(k)) return undefined; // a loop elsewhere, not through start
    seen.add(k);
  }
  return undefined;
}
