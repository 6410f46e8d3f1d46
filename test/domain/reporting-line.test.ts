import { describe, expect, it } from 'vitest';
import { loopThrough } from '../../src/domain/reporting-line.js';

describe('the reporting line has no loops (domain/reporting-line.ts)', () => {
  const line = (pairs: Array<[string, string]>) => new Map(pairs);

  it('finds the loop through a person, as a path back to them', () => {
    expect(loopThrough(line([['a', 'b'], ['b', 'c'], ['c', 'a']]), 'a')).toEqual(['a', 'b', 'c', 'a']);
    expect(loopThrough(line([['a', 'a']]), 'a')).toEqual(['a', 'a']);
  });

  it('a line that ends, or a loop above that does not pass through the person, is not their loop', () => {
    expect(loopThrough(line([['a', 'b'], ['b', 'c']]), 'a')).toBeUndefined();
    expect(loopThrough(line([['a', 'b'], ['b', 'c'], ['c', 'b']]), 'a')).toBeUndefined();
    expect(loopThrough(line([]), 'a')).toBeUndefined();
  });
});
