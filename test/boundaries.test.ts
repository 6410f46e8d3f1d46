// The layer rules, checked on the import graph of src/, bots/ and cards/ (see src/ARCHITECTURE.md):
//   - src/ never imports bots/ (the adapter contract is src/adapter.ts) — except the one composition root,
//     src/compose.ts, which builds the adapters from configuration;
//   - commands never touch the database layer (they parse and reply; services decide and write);
//   - services never import the outbox worker or the scheduler (they queue through src/outbox/enqueue.ts);
//   - cards/ imports nothing from src/ or bots/ (the neutral card model and its renderers stand alone);
//   - no import cycles anywhere.
// Type-only imports count: a layer that needs another's types depends on it all the same.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** file → the project files it imports (relative specifiers only; packages are not edges). */
export function importGraph(dirs = ['src', 'bots', 'cards']): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap(sourceFiles)) {
    const text = readFileSync(join(root, file), 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) continue;
      deps.push(relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts'));
    }
    graph.set(file, deps);
  }
  return graph;
}

function violations(graph: Map<string, string[]>, from: RegExp, to: RegExp): string[] {
  return [...graph].flatMap(([f, deps]) => (from.test(f) ? deps.filter((d) => to.test(d)).map((d) => `${f} → ${d}`) : []));
}

/** Every cycle, reported once, as a → b → … → a (Tarjan's strongly connected components). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('layer boundaries', () => {
  const graph = importGraph();

  it('reads the whole source tree', () => {
    // A broken pattern would find no edges and pass every rule below.
    expect(graph.size).toBeGreaterThan(150);
    expect(graph.get('src/compose.ts')).toContain('src/server/app.ts');
  });

  it('src/ does not import bots/', () => {
    expect(violations(graph, /^src\/(?!compose\.ts$)/, /^bots\//)).toEqual([]);
  });

  it('commands do not touch the database layer', () => {
    expect(violations(graph, /^src\/commands\//, /^src\/db\//)).toEqual([]);
  });

  it('services do not import the outbox worker or the scheduler', () => {
    expect(violations(graph, /^src\/services\//, /^src\/(outbox\/worker|scheduler\/)/)).toEqual([]);
  });

  it('cards/ stands alone', () => {
    expect(violations(graph, /^cards\//, /^(src|bots)\//)).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(cycles(graph).map((c) => c.join(' ⇄ '))).toEqual([]);
  });

  it('finds a cycle and a forbidden edge when there is one', () => {
    const g = new Map([
      ['src/a.ts', ['src/b.ts']],
      ['src/b.ts', ['src/a.ts', 'bots/x.ts']],
    ]);
    expect(cycles(g)).toEqual([['src/a.ts', 'src/b.ts']]);
    expect(violations(g, /^src\//, /^bots\//)).toEqual(['src/b.ts → bots/x.ts']);
  });
});
