// The column-name maps of both imports (customers, people) and reading a header row: which column is which field,
// which headers are unused, and which kind of file a header row belongs to. Header text is compared after
// cleanHeader, the one normalisation both imports share.
import { ImportFileError } from './errors.js';

/** "* 公司名称（必填）" → "公司名称"; case-folded so English headers can be mapped too. */
export function cleanHeader(h: string): string {
  return h
    .normalize('NFKC')
    .replace(/^\uFEFF/, '')
    .replace(/\s+/g, '')
    .replace(/^\*+|\*+$/g, '')
    .replace(/\([^)]*\)$/, '')
    .toLowerCase();
}

// ---------------------------------------------------------------------------------------------- customers

export const IMPORT_FIELDS = ['name', 'phone', 'region', 'industry', 'grade', 'owner', 'source', 'tags', 'product'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const FIELD_LABELS: Record<ImportField, string> = {
  name: '公司名称',
  phone: '电话',
  region: '地区',
  industry: '行业',
  grade: '等级',
  owner: '负责人',
  source: '来源',
  tags: '标签',
  product: '产品',
};

/** Header text (after cleanHeader) → field. Callers may extend or override it with `mapping`. */
export const DEFAULT_HEADER_MAPPING: Readonly<Record<string, ImportField>> = {
  公司名称: 'name', 客户名称: 'name', 企业名称: 'name', 公司: 'name', 客户: 'name', 名称: 'name',
  电话: 'phone', 手机: 'phone', 手机号: 'phone', 手机号码: 'phone', 联系电话: 'phone', 电话号码: 'phone',
  地区: 'region', 区域: 'region', 城市: 'region', 所在地区: 'region',
  行业: 'industry', 所属行业: 'industry',
  等级: 'grade', 客户等级: 'grade', 级别: 'grade',
  负责人: 'owner', 销售: 'owner', 业务员: 'owner', 跟进人: 'owner',
  来源: 'source', 客户来源: 'source', 来源渠道: 'source',
  标签: 'tags',
  // What the customer makes or wants (主营/意向产品): kept as tags, and matched by the assignment rules' keywords.
  产品: 'product', 主营产品: 'product', 意向产品: 'product', 需求产品: 'product', 产品线: 'product',
};

export interface HeaderMappingOptions {
  /** Extra or overriding header → field entries; `null` ignores a header. */
  mapping?: Record<string, ImportField | null>;
  /** Use only `mapping`, not the Chinese defaults. */
  replaceDefaultMapping?: boolean;
}

export interface CustomerColumn {
  index: number;
  header: string;
  field: ImportField;
}

/** A customer file's columns; several columns may feed one field (电话 and 手机). Refuses a file without 公司名称. */
export function mapCustomerHeaders(header: string[], opts: HeaderMappingOptions) {
  const mapping = new Map<string, ImportField | null>();
  if (!opts.replaceDefaultMapping) for (const [k, v] of Object.entries(DEFAULT_HEADER_MAPPING)) mapping.set(cleanHeader(k), v);
  for (const [k, v] of Object.entries(opts.mapping ?? {})) mapping.set(cleanHeader(k), v);
  const columns: CustomerColumn[] = [];
  const ignoredHeaders: string[] = [];
  header.forEach((h, index) => {
    const field = mapping.get(cleanHeader(h));
    if (field) columns.push({ index, header: h.trim(), field });
    else if (h.trim() !== '') ignoredHeaders.push(h.trim());
  });
  if (!columns.some((c) => c.field === 'name')) {
    throw new ImportFileError(
      `第 1 行（表头）里找不到“公司名称”列。现有表头：${header.map((h) => `「${h.trim()}」`).join('、') || '（空）'}。` +
        '请把公司名称所在列的表头改成“公司名称”，或在导入时指定表头映射。',
    );
  }
  return { columns, ignoredHeaders };
}

// ---------------------------------------------------------------------------------------------- people

export type UserField = 'name' | 'wecom' | 'dingtalk' | 'feishu' | 'role' | 'manager' | 'team' | 'region';
export const PLATFORM_FIELDS = ['wecom', 'dingtalk', 'feishu'] as const;
export type PlatformField = (typeof PLATFORM_FIELDS)[number];

export const USER_FIELD_LABELS: Record<UserField, string> = {
  name: '姓名',
  wecom: '企业微信ID',
  dingtalk: '钉钉ID',
  feishu: '飞书ID',
  role: '角色',
  manager: '上级',
  team: '团队',
  region: '地区',
};

/** Header text (after cleanHeader: NFKC, no spaces, lower case) → field. */
export const USER_HEADERS: Readonly<Record<string, UserField>> = {
  姓名: 'name', 名字: 'name', 员工: 'name', 员工姓名: 'name', name: 'name',
  企业微信id: 'wecom', 企业微信账号: 'wecom', 企业微信userid: 'wecom', 企微id: 'wecom', wecom: 'wecom',
  钉钉id: 'dingtalk', 钉钉userid: 'dingtalk', 钉钉staffid: 'dingtalk', 钉钉账号: 'dingtalk', dingtalk: 'dingtalk',
  飞书id: 'feishu', 飞书openid: 'feishu', 飞书open_id: 'feishu', 飞书账号: 'feishu', feishu: 'feishu',
  角色: 'role', 岗位: 'role', role: 'role',
  上级: 'manager', 直属上级: 'manager', 上级姓名: 'manager', 汇报对象: 'manager', manager: 'manager',
  团队: 'team', 小组: 'team', 部门: 'team', team: 'team',
  地区: 'region', 区域: 'region', region: 'region',
};

const userFieldOf = (header: string): UserField | undefined => USER_HEADERS[cleanHeader(header)];

/**
 * A people file's columns: the first column of each field is used, any later one is listed as unused. Refuses a
 * file without 姓名. `used` is column index → field.
 */
export function mapUserHeaders(header: string[]) {
  const cols = header.map(userFieldOf);
  if (!cols.includes('name'))
    throw new ImportFileError(
      `第 1 行（表头）里找不到“姓名”列。现有表头：${header.map((h) => `「${h.trim()}」`).join('、') || '（空）'}。` +
        '人员文件的表头例如：姓名,企业微信ID,钉钉ID,飞书ID,角色,上级,团队,地区',
    );
  const columns: { header: string; field: UserField }[] = [];
  const ignoredHeaders: string[] = [];
  const used = new Map<number, UserField>();
  header.forEach((h, i) => {
    const f = cols[i];
    if (f && !columns.some((c) => c.field === f)) {
      columns.push({ header: h.trim(), field: f });
      used.set(i, f);
    } else if (h.trim() !== '') ignoredHeaders.push(h.trim());
  });
  return { columns, ignoredHeaders, used };
}

// ---------------------------------------------------------------------------------------------- which file

/** A people file: a 姓名 column plus a platform id or role column. */
export function isUsersFile(header: string[]): boolean {
  const fields = header.map(userFieldOf);
  return fields.includes('name') && fields.some((f) => f === 'wecom' || f === 'dingtalk' || f === 'feishu' || f === 'role');
}

/** Which import a header row belongs to: a company-name column (公司名称…) → customers, else 姓名 → users. */
export function detectImportKind(header: string[]): 'customers' | 'users' {
  const customerFields = new Map(Object.entries(DEFAULT_HEADER_MAPPING).map(([k, v]) => [cleanHeader(k), v]));
  if (header.some((h) => customerFields.get(cleanHeader(h)) === 'name')) return 'customers';
  return header.some((h) => userFieldOf(h) === 'name') ? 'users' : 'customers';
}
