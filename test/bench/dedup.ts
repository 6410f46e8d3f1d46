// Bench 5: the "maybe the same company" lookup (findSimilarCustomers) against 100,000 customers of one tenant.
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { NAME_KEY_VERSION, nameGrams, normaliseCompanyName } from '../../src/domain/names.js';
import type { Ctx } from '../../src/services/context.js';
import { findSimilarCustomers } from '../../src/services/customers.js';

const SYLLABLES = '永固恒远金鼎宏达鑫源鸿运精工瑞丰泰盛博创兴旺德信华美天成力佳新光明亿通正和昌富隆'.split('');
const PRODUCTS = ['阀门', '五金', '模具', '泵业', '机械', '电子', '塑胶', '精密铸造', '轴承', '紧固件', '包装', '纺织', '化工', '电气', '汽配'];
const PLACES = ['', '', '宁波', '温州', '东莞', '苏州', '浙江', '广东省佛山市'];
const FORMS = ['有限公司', '股份有限公司', '有限责任公司', '厂', ''];

/** Deterministic names: three syllables + a trade, with place prefixes and legal forms as real lists have them. */
function names(n: number, seed: number): string[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < n) {
    const core = pick(SYLLABLES) + pick(SYLLABLES) + pick(SYLLABLES) + pick(PRODUCTS);
    if (seen.has(core)) continue;
    seen.add(core);
    out.push(pick(PLACES) + core + pick(FORMS));
  }
  return out;
}

const arr = (xs: string[]) => sql`array[${sql.join(xs.map((x) => sql`${x}`), sql`, `)}]`;

export async function benchSimilarLookup(db: Db, customers: number, lookups: number) {
  const [t] = await queryRows<{ id: string }>(db, sql`insert into tenants (name) values ('查重压测') returning id`);
  const [u] = await queryRows<{ id: string }>(db, sql`insert into users (tenant_id, name) values (${t!.id}, '查重销售') returning id`);
  const all = names(customers, 7);
  for (let from = 0; from < all.length; from += 2000) {
    const batch = all.slice(from, from + 2000);
    const keys = batch.map((n) => normaliseCompanyName(n));
    await db.execute(sql`
      insert into customers (tenant_id, short_no, name, normalised_name, name_grams, name_key_version, owner_id)
      select ${t!.id}::uuid, ${from} + v.ord, v.name, v.k, string_to_array(v.g, ' '), ${NAME_KEY_VERSION}, ${u!.id}::uuid
      from unnest(${arr(batch)}::text[], ${arr(keys)}::text[], ${arr(keys.map((k) => nameGrams(k).join(' ')))}::text[])
        with ordinality as v(name, k, g, ord)`);
  }
  await db.execute(sql`analyze customers`);
  const ctx: Ctx = { db, actor: { tenantId: t!.id, userId: u!.id, name: '查重销售', role: 'rep' }, now: new Date(), timeZone: 'Asia/Shanghai' };
  // Half the lookups are an existing customer's core written another way (浙江…制品有限公司), half new names.
  const fresh = names(lookups, 99);
  const queries = Array.from({ length: lookups }, (_, i) => (i % 2 === 0 ? `浙江${normaliseCompanyName(all[(i * 7919) % all.length]!)}制品有限公司` : fresh[i]!));
  for (const q of queries.slice(0, 20)) await findSimilarCustomers(ctx, q); // warm
  const times: number[] = [];
  let found = 0;
  for (const q of queries) {
    const t0 = performance.now();
    const r = await findSimilarCustomers(ctx, q);
    times.push(performance.now() - t0);
    if (r.length > 0) found++;
  }
  times.sort((x, y) => x - y);
  const mean = times.reduce((s, x) => s + x, 0) / times.length;
  return { customers, lookups, found, meanMs: mean, p95Ms: times[Math.floor(times.length * 0.95)]!, maxMs: times.at(-1)! };
}
