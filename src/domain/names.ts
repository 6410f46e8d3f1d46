// Company-name and phone normalisation for customer dedup keys and fuzzy lookup. Pure: no I/O.

const LEGAL_FORMS = [
  '股份有限公司', '有限责任公司', '有限公司', '集团有限公司', '集团', '股份', '有限', '责任', '总公司', '分公司', '公司', '厂',
  'co.,ltd.', 'co.,ltd', 'co.ltd', 'co.', 'ltd.', 'ltd', 'limited', 'inc.', 'inc', 'corp.', 'corp', 'group', 'company',
];
const PROVINCES = [
  '北京', '上海', '天津', '重庆', '广东', '浙江', '江苏', '山东', '河北', '河南', '福建', '安徽', '湖北', '湖南', '四川',
  '江西', '辽宁', '吉林', '黑龙江', '山西', '陕西', '云南', '贵州', '广西', '海南', '甘肃', '青海', '宁夏', '新疆', '西藏', '内蒙古',
];
const CITIES = [
  '深圳', '广州', '东莞', '佛山', '中山', '珠海', '惠州', '江门', '汕头', '苏州', '无锡', '常州', '南京', '南通', '昆山', '扬州',
  '宁波', '温州', '杭州', '台州', '绍兴', '嘉兴', '金华', '义乌', '湖州', '泉州', '厦门', '福州', '青岛', '济南', '烟台', '潍坊',
  '成都', '武汉', '郑州', '西安', '长沙', '合肥', '沈阳', '大连', '哈尔滨', '长春', '石家庄', '唐山', '太原', '昆明', '南昌', '贵阳',
];
const REGIONS = [...PROVINCES, ...CITIES].sort((a, b) => b.length - a.length);
const REGION_RE = new RegExp(`^(${REGIONS.join('|')})(省|市|区|县)?`);
/** A bracketed part that only names a place or the country: (浙江) （宁波市） [中国]. */
const BRACKETED_REGION_RE = new RegExp(`[(（\\[【]\\s*(?:(?:${REGIONS.join('|')})(?:省|市|区|县)?|中国)\\s*[)）\\]】]`, 'g');

/** Shortest rest of a name that a leading place name is stripped from. */
const MIN_CORE = 3;

/**
 * Bump when normaliseCompanyName or nameGrams change: rows stored with an older version are recomputed at
 * start-up (src/db/backfill.ts), because SQL cannot run this function.
 */
export const NAME_KEY_VERSION = 1;

/** Full-width → half-width, lower case, no whitespace or punctuation. */
function fold(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u3000]+/g, '')
    .replace(/[()（）[\]【】「」『』〈〉《》<>{}"'“”‘’`·.,，。、;；:：!！?？\-—_~/\\|&@#*+=]/g, (m) => (m === '.' || m === ',' ? m : ''));
}

export function normaliseCompanyName(name: string): string {
  let s = fold(name.normalize('NFKC').replace(BRACKETED_REGION_RE, ''));
  let changed = true;
  while (changed) {
    changed = false;
    if (s.endsWith('中国') && s.length > 4) {
      s = s.slice(0, -2);
      changed = true;
    }
    for (const form of LEGAL_FORMS) {
      if (s.endsWith(form) && s.length - form.length >= 2) {
        s = s.slice(0, -form.length);
        changed = true;
      }
    }
  }
  // 浙江省宁波市华东五金 → 华东五金: every leading place name goes while 3+ characters remain; a 2-character rest
  // (东莞五金 → 五金) is a trade, not a name, and would make every 五金 company look alike.
  for (let m = REGION_RE.exec(s); m && s.length - m[0].length >= MIN_CORE; m = REGION_RE.exec(s)) s = s.slice(m[0].length);
  return s.replace(/[.,]/g, '');
}

/**
 * The keys a typed reference is looked up by: its dedup key and, when a short rest kept its place name
 * (宁波精工), the key without it (精工), so /新商机 宁波精工 still finds 宁波精工模具.
 */
export function lookupKeys(text: string): string[] {
  const key = normaliseCompanyName(text);
  const m = REGION_RE.exec(key);
  const loose = m && key.length - m[0].length >= 2 ? key.slice(m[0].length) : undefined;
  return loose && loose !== key ? [key, loose] : [key];
}

/** The places a name states (as prefix or in brackets): two names stating different places are not one company. */
export function regionsOf(name: string): string[] {
  const found = new Set<string>();
  const nfkc = name.normalize('NFKC');
  for (const m of nfkc.matchAll(BRACKETED_REGION_RE)) {
    const inner = fold(m[0]).replace(/(省|市|区|县)$/, '');
    if (inner !== '中国') found.add(inner);
  }
  let s = fold(nfkc.replace(BRACKETED_REGION_RE, ''));
  for (let m = REGION_RE.exec(s); m && s.length - m[0].length >= MIN_CORE; m = REGION_RE.exec(s)) {
    found.add(m[1]!);
    s = s.slice(m[0].length);
  }
  return [...found];
}

/** Distinct character bigrams of a dedup key (a one-character key is its own gram). */
export function nameGrams(key: string): string[] {
  const chars = [...key];
  if (chars.length < 2) return chars.length ? [key] : [];
  const grams = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) grams.add(chars[i]! + chars[i + 1]!);
  return [...grams];
}

/**
 * Bigram Dice coefficient at or above which two different keys are offered as "maybe the same company". 0.6 let
 * 永固精密铸造 ~ 恒远精密铸造 through (a shared trade word); 0.7 still catches 华东五金制品 ~ 华东五金制造.
 */
export const SIMILAR_DICE = 0.7;

/** Trade words (行业词) that many unrelated companies share; their bigrams alone never make two names similar. */
const TRADE_WORDS = [
  '五金', '机械', '精密', '铸造', '模具', '阀门', '泵业', '电子', '塑胶', '塑料', '轴承', '紧固件', '包装', '纺织', '化工',
  '电气', '汽配', '制品', '制造', '科技', '实业', '贸易', '工贸', '机电', '设备', '材料', '技术', '工业', '建材', '钢铁',
  '不锈钢', '橡胶', '印刷', '服装', '食品', '医疗', '器械', '照明', '电器', '家具', '陶瓷', '玻璃', '新能源', '自动化',
];
const TRADE_RE = new RegExp(TRADE_WORDS.sort((x, y) => y.length - x.length).join('|'), 'g');

/** Bigrams of what is left of a key once its trade words are cut out (乙五金机械 → 乙; 华东五金制品 → 华东). */
function coreGrams(key: string): string[] {
  return key.split(TRADE_RE).flatMap((part) => nameGrams(part));
}

const TRADE_GRAMS = new Set(TRADE_WORDS.flatMap((w) => nameGrams(w)));

/**
 * The grams a "maybe the same company" search narrows by: the bigrams of the name itself, without its trade words
 * (新光明精密铸造 → 新光 光明), which tens of thousands of customers share (精密, 明精). Any similar name shares one
 * (compareKeys demands a shared core gram), and so does any name containing or contained in this one, unless its
 * own name part is a single character; then the non-trade grams, or all of them, are used.
 */
export function searchGrams(key: string): string[] {
  const core = coreGrams(key).filter((g) => [...g].length === 2);
  if (core.length > 0) return [...new Set(core)];
  const grams = nameGrams(key);
  const specific = grams.filter((g) => !TRADE_GRAMS.has(g));
  return specific.length > 0 ? specific : grams;
}

export type NameMatch = { kind: 'exact' | 'contains' | 'similar'; score: number };

/**
 * How alike two dedup keys are: the same key; one contained in the other (华东五金 ⊂ 华东五金制品); or a bigram
 * Dice coefficient ≥ SIMILAR_DICE (华东五金 ~ 华东五矿). Undefined when unrelated.
 */
export function compareKeys(a: string, b: string): NameMatch | undefined {
  if (!a || !b) return undefined;
  if (a === b) return { kind: 'exact', score: 1 };
  const ga = nameGrams(a);
  const gb = new Set(nameGrams(b));
  const shared = ga.filter((g) => gb.has(g)).length;
  const dice = (2 * shared) / (ga.length + gb.size);
  if (a.includes(b) || b.includes(a)) return { kind: 'contains', score: Math.max(dice, 0.8) };
  // 甲精密铸造 ~ 乙精密铸造 share only their trade: similar names must share a bigram of the name itself.
  const coreB = new Set(coreGrams(b));
  const distinctive = coreGrams(a).some((g) => coreB.has(g));
  return dice >= SIMILAR_DICE && distinctive ? { kind: 'similar', score: dice } : undefined;
}

/**
 * 138＊＊＊＊8000: enough to recognise one's own customer, not enough to call. Full-width asterisks, because the
 * text goes into markdown card bodies where `****` is bold markup.
 */
export function maskPhone(phone: string): string {
  const digits = normalisePhone(phone) ?? phone.replace(/\D/g, '');
  if (digits.length < 7) return '****';
  return `${digits.slice(0, 3)}＊＊＊＊${digits.slice(-4)}`;
}

/** The region prefix a company name starts with (上海华东五金 → 上海), if any. */
export function cityPrefixOf(name: string): string | undefined {
  const m = REGION_RE.exec(fold(name));
  return m && fold(name).length - m[0].length >= 2 ? m[1] : undefined;
}

export function normalisePhone(phone: string): string | undefined {
  const s = phone.normalize('NFKC').trim();
  if (/[a-z]/i.test(s) || !/^[+\d\s\-().]+$/.test(s)) return undefined;
  let digits = s.replace(/\D/g, '');
  if (/^(0086|86)1\d{10}$/.test(digits)) digits = digits.replace(/^(0086|86)/, '');
  if (/^1\d{10}$/.test(digits)) return digits;
  if (digits.length >= 7 && digits.length <= 12) return digits;
  return undefined;
}

export function looksLikePhone(token: string): boolean {
  return normalisePhone(token) !== undefined && token.normalize('NFKC').replace(/\D/g, '').length >= 7;
}

/** 1 = same key; 0.8 = one contains the other; 0 = unrelated. */
export function matchScore(query: string, candidateNormalisedName: string): number {
  const q = normaliseCompanyName(query);
  if (!q) return 0;
  if (q === candidateNormalisedName) return 1;
  return candidateNormalisedName.includes(q) || q.includes(candidateNormalisedName) ? 0.8 : 0;
}
