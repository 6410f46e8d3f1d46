// A controllable clock for scheduler tests: tests move time instead of sleeping.
export function createClock(startIso: string) {
  let t = new Date(startIso).getTime();
  return {
    now: () => new Date(t),
    set(iso: string) {
      t = new Date(iso).getTime();
    },
    advanceHours(h: number) {
      t += h * 3600_000;
    },
  };
}
