// Known regions: provinces, cities and well-known manufacturing districts/towns. A positional chat word becomes a
// customer's region only when it is on this list (`地区:` takes any text). Pure: no I/O.

const PROVINCES = [
  '北京', '上海', '天津', '重庆', '广东', '浙江', '江苏', '山东', '河北', '河南', '福建', '安徽', '湖北', '湖南', '四川',
  '江西', '辽宁', '吉林', '黑龙江', '山西', '陕西', '云南', '贵州', '广西', '海南', '甘肃', '青海', '宁夏', '新疆', '西藏',
  '内蒙古', '香港', '澳门', '台湾',
];
const CITIES = [
  '深圳', '广州', '东莞', '佛山', '中山', '珠海', '惠州', '江门', '汕头', '肇庆', '揭阳', '潮州', '清远', '湛江', '茂名',
  '苏州', '无锡', '常州', '南京', '南通', '昆山', '扬州', '镇江', '泰州', '盐城', '徐州', '淮安', '连云港', '宿迁',
  '宁波', '温州', '杭州', '台州', '绍兴', '嘉兴', '金华', '义乌', '湖州', '丽水', '衢州', '舟山',
  '泉州', '厦门', '福州', '漳州', '莆田', '青岛', '济南', '烟台', '潍坊', '淄博', '临沂', '威海', '济宁', '德州', '聊城',
  '成都', '绵阳', '武汉', '襄阳', '宜昌', '郑州', '洛阳', '西安', '长沙', '株洲', '合肥', '芜湖', '沈阳', '大连', '鞍山',
  '哈尔滨', '长春', '石家庄', '唐山', '保定', '沧州', '邯郸', '廊坊', '太原', '昆明', '南昌', '贵阳', '南宁', '柳州', '海口',
  '兰州', '银川', '西宁', '乌鲁木齐', '呼和浩特', '包头',
];
/** District-, county- and town-level places every factory salesperson knows by name. */
const TOWNS = [
  '顺德', '南海', '番禺', '虎门', '长安', '松山湖', '宝安', '龙岗', '乐清', '柳市', '永康', '余姚', '慈溪', '瑞安', '玉环',
  '温岭', '诸暨', '海宁', '桐乡', '萧山', '张家港', '江阴', '常熟', '太仓', '吴江', '宜兴', '丹阳', '晋江', '石狮', '南安',
  '胶州', '即墨', '寿光', '永嘉', '北仑', '鄞州',
];
/** Sales territories as teams name them. */
const TERRITORIES = ['华东', '华南', '华北', '华中', '西南', '西北', '东北'];

const KNOWN = new Set([...PROVINCES, ...CITIES, ...TOWNS, ...TERRITORIES]);
const SUFFIX = /(省|市|区|县|镇|自治区|特别行政区|地区)$/;

/** `浙江`, `浙江省`, `宁波市`, `顺德区`, `柳市镇` → true; `Valves`, `123`, `测试` → false. */
export function isKnownRegion(token: string): boolean {
  const t = token.trim();
  return KNOWN.has(t) || KNOWN.has(t.replace(SUFFIX, ''));
}
