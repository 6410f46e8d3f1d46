// Customer files as factories' sales teams send them, for the import benchmark: GBK (what Excel saves on Chinese
// Windows), CRLF, the nine usual columns, a remark column. Deterministic: the same file on every run.
import { writeFileSync } from 'node:fs';
import iconv from 'iconv-lite';

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T,>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

const CITIES = ['宁波', '温州', '台州', '东莞', '佛山', '苏州', '无锡', '常州', '泉州', '青岛', '济南', '成都', '武汉', '杭州', '余姚', '慈溪'];
const SYLLABLES = '永固恒远金鼎宏达鑫源鸿运精工瑞丰泰盛博创兴旺德信华美天成力佳新光明亿通正和昌富隆'.split('');
const PRODUCTS = ['阀门', '五金', '模具', '泵业', '机械', '电子', '塑胶', '精密铸造', '轴承', '紧固件', '包装', '纺织', '化工', '电气', '汽配'];
const FORMS = ['有限公司', '有限公司', '有限公司', '股份有限公司', '有限责任公司', '集团有限公司'];
const INDUSTRIES = ['五金', '机械', '电子', '化工', '纺织', '汽配', ''];
const SOURCES = ['展会', '老客户介绍', '官网', '阿里巴巴', '电话陌拜', ''];
const TAGS = ['', '', '老客户', '展会、样品', '重点,出口', '月结;大客户'];
const REMARKS = ['', '样品已寄出，等客户回复报价', '老板姓陈，周三上午方便接电话', '年采购量约 200 万，竞品是本地厂', '需要开 13% 专票'];
export const BENCH_OWNERS = ['张伟', '李娜', '王芳', '刘洋', '陈静'];

/** The i-th distinct company core (three syllables + product): 41³ × 15 ≈ 1M distinct keys. */
function core(i: number): string {
  const n = SYLLABLES.length;
  return SYLLABLES[i % n]! + SYLLABLES[Math.floor(i / n) % n]! + SYLLABLES[Math.floor(i / n / n) % n]! + PRODUCTS[Math.floor(i / n / n / n) % PRODUCTS.length]!;
}

export interface GeneratedFile {
  path: string;
  rows: number;
  bytes: number;
  /** Rows per expected outcome. */
  expect: { create: number; existing: number; duplicates: number; bad: number };
}

/**
 * `rows` data rows: companies `from … from+rows` (distinct), except every 97th row repeats the row before it
 * under a variant of its name (an in-file duplicate) and every 251st has a bad phone (a row to fix). `existingBelow`: cores
 * under this index are already in the database (imported earlier), so they count as existing.
 */
export function writeCustomerFile(path: string, rows: number, o: { from?: number; existingBelow?: number; seed?: number } = {}): GeneratedFile {
  const r = rng(o.seed ?? 20261203);
  const from = o.from ?? 0;
  const lines = ['公司名称,电话,地区,行业,等级,负责人,来源,标签,备注'];
  const expect = { create: 0, existing: 0, duplicates: 0, bad: 0 };
  let prevBad = false;
  for (let k = 0; k < rows; k++) {
    const i = from + k;
    let name = `${r.pick(CITIES)}${core(i)}${r.pick(FORMS)}`;
    let phone = `1${String(3_000_000_000 + i * 13).slice(0, 10)}`;
    const inDb = (j: number) => j < (o.existingBelow ?? 0);
    let bad = false;
    if (k > 0 && k % 97 === 0) {
      // The previous row's company again, written without its city and with another legal form.
      name = `${core(i - 1)}股份有限公司`;
      phone = '';
      if (inDb(i - 1)) expect.existing++;
      else if (prevBad) expect.create++;
      else expect.duplicates++;
    } else if (k % 251 === 250) {
      phone = '电话待补';
      bad = true;
      expect.bad++;
    } else if (inDb(i)) expect.existing++;
    else expect.create++;
    prevBad = bad;
    const cells = [name, phone, r.next() < 0.5 ? '' : r.pick(['浙江', '广东', '江苏', '山东']), r.pick(INDUSTRIES), r.pick(['A', 'B', 'C', '']), r.pick([...BENCH_OWNERS, '']), r.pick(SOURCES), r.pick(TAGS), r.pick(REMARKS)];
    lines.push(cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(','));
  }
  const bytes = iconv.encode(lines.join('\r\n') + '\r\n', 'gbk');
  writeFileSync(path, bytes);
  return { path, rows, bytes: bytes.length, expect };
}
