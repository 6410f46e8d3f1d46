// Company-name and phone normalisation for customer dedup keys and fuzzy lookup. Pure: no I/O.

const LEGAL_FORMS = [
  '股份有限公司', '有限责任公司', '有限公司', '集团有限公司', '集团', '股份', '有限', '责任', '公司',
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

/** Full-width → half-width, lower case, no whitespace or punctuation. */
function fold(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u3000]+/g, '')
    .replace(/[()（）[\]【】「」『』〈〉《》<>{}"'“”‘’`·.,，。、;；:：!！?？\-—_~/\\|&@#*+=]/g, (m) => (m === '.' || m === ',' ? m : ''));
}

export function normaliseCompanyName(name: string): string {
  let s = fold(name);
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
  const m = REGION_RE.exec(s);
  if (m && s.length - m[0].length >= 2) s = s.slice(m[0].length);
  return s.replace(/[.,]/g, '');
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
  return normalisePhone(token) !== undefined && token.replace(/\D/g, '').length >= 7;
}

/** 1 = same key; 0.8 = one contains the other; 0 = unrelated. */
export function matchScore(query: string, candidateNormalisedName: string): number {
  const q = normaliseCompanyName(query);
  if (!q) return 0;
  if (q === candidateNormalisedName) return 1;
  return candidateNormalisedName.includes(q) || q.includes(candidateNormalisedName) ? 0.8 : 0;
}
