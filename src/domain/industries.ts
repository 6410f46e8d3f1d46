// Known industries for factory sales teams. A positional chat word becomes a customer's industry only when it is
// on this list (`行业:` / `industry:` take any text). Chinese only: English words are too often part of a name
// (`Acme Valves`). Pure: no I/O.

const INDUSTRIES = [
  '五金', '机械', '阀门', '泵阀', '水泵', '模具', '注塑', '塑料', '塑胶', '橡胶', '电子', '电器', '电气', '电机', '电缆',
  '线缆', '化工', '涂料', '纺织', '服装', '鞋业', '皮革', '家具', '家电', '建材', '陶瓷', '玻璃', '钢铁', '金属', '铸造',
  '锻造', '机加工', '钣金', '紧固件', '轴承', '汽配', '汽车', '汽车零部件', '新能源', '光伏', '锂电', '电池', '医疗器械',
  '医药', '食品', '饮料', '包装', '印刷', '造纸', '仪器仪表', '仪表', '自动化', '机器人', '半导体', '照明', '通信', '安防',
  '环保', '物流', '贸易', '外贸', '工具', '刀具', '液压', '气动', '农机', '船舶', '军工', '能源', '石化', '冶金', '暖通',
];
const KNOWN = new Set(INDUSTRIES);

export function isKnownIndustry(token: string): boolean {
  const t = token.trim();
  return KNOWN.has(t) || KNOWN.has(t.replace(/行业$/, ''));
}
