// One row of a customer file: its cells by field, the zod schema that checks and normalises it (every message
// says what to fix), and the createCustomer input it becomes.
import { z } from 'zod';
import { normaliseCompanyName, normalisePhone } from '../domain/names.js';
import { fieldTooLong } from '../domain/text-gate.js';
import type { NewCustomerInput } from '../services/customers.js';
import type { CsvRecord } from './decode.js';
import type { CustomerColumn, ImportField } from './headers.js';

const optionalText = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label}太长（最多 ${max} 个字）`)
    .transform((v) => (v === '' ? undefined : v));

export function customerRowSchema() {
  return z.object({
    name: z
      .string()
      .trim()
      .superRefine((v, ctx) => {
        if (v === '') ctx.addIssue({ code: 'custom', message: '公司名称为空，请填写完整的公司名称' });
        else if (fieldTooLong('companyName', v)) ctx.addIssue({ code: 'custom', message: fieldTooLong('companyName', v)! });
        else if (normaliseCompanyName(v).length < 2)
          ctx.addIssue({ code: 'custom', message: `公司名称「${v}」太短，请写出完整的公司名称` });
      }),
    phone: z
      .string()
      .trim()
      .superRefine((v, ctx) => {
        if (v !== '' && fieldTooLong('phone', v)) return void ctx.addIssue({ code: 'custom', message: fieldTooLong('phone', v)! });
        if (v === '' || normalisePhone(v)) return;
        const hint = /^\d(\.\d+)?e\+?\d+$/i.test(v)
          ? '（被 Excel 显示成了科学计数法，请把电话列设为“文本”格式后重新填写）'
          : '，请填 11 位手机号或带区号的座机号';
        ctx.addIssue({ code: 'custom', message: `电话「${v}」不像手机或座机号码${hint}` });
      })
      .transform((v) => (v === '' ? undefined : v)),
    region: optionalText('地区', 50),
    industry: optionalText('行业', 50),
    grade: z
      .string()
      .transform((v) => v.normalize('NFKC').trim().toUpperCase().replace(/(级|类|级客户|类客户)$/, ''))
      .superRefine((v, ctx) => {
        if (v !== '' && v !== 'A' && v !== 'B' && v !== 'C')
          ctx.addIssue({ code: 'custom', message: `等级「${v}」无效，只能填 A、B 或 C（也可以留空）` });
      })
      .transform((v) => (v === '' ? undefined : (v as 'A' | 'B' | 'C'))),
    owner: z.string().trim(),
    source: optionalText('来源', 50),
    tags: words('标签'),
    product: words('产品'),
  }).superRefine((row, ctx) => {
    // 产品 words are kept as tags: together at most 20 (the limit createCustomer holds a customer's tags to).
    if (new Set([...row.tags, ...row.product]).size > 20) ctx.addIssue({ code: 'custom', message: row.product.length > 0 ? '标签和产品合起来太多（最多 20 个）' : '标签太多（最多 20 个）' });
  });
}

/** A cell of words separated by 、 , ， ; ；, each within the tag limit of src/domain/text-gate.ts. */
const words = (label: string) =>
  z
    .string()
    .transform((v) => [...new Set(v.split(/[、,，;；]/).map((t) => t.trim()).filter((t) => t !== ''))])
    .superRefine((v, ctx) => {
      const long = v.find((t) => fieldTooLong('tag', t));
      if (long) ctx.addIssue({ code: 'custom', message: `${label}「${long}」太长：${fieldTooLong('tag', long)!}` });
    });
export type CustomerRow = z.output<ReturnType<typeof customerRowSchema>>;

const EMPTY_ROW: Record<ImportField, string> = { name: '', phone: '', region: '', industry: '', grade: '', owner: '', source: '', tags: '', product: '' };

/** The row's text per field; several headers may map to one field (电话 and 手机): the first non-empty cell wins. */
export function rawCustomerRow(rec: CsvRecord, columns: CustomerColumn[]): Record<ImportField, string> {
  const raw: Record<ImportField, string> = { ...EMPTY_ROW };
  for (const c of columns) if (raw[c.field] === '') raw[c.field] = rec.cells[c.index]?.trim() ?? '';
  return raw;
}

export function toNewCustomerInput(row: CustomerRow): NewCustomerInput {
  const input: NewCustomerInput = { name: row.name };
  if (row.phone) input.phone = row.phone;
  if (row.region) input.region = row.region;
  if (row.industry) input.industry = row.industry;
  if (row.grade) input.grade = row.grade;
  if (row.source) input.sourceChannel = row.source;
  const tags = [...new Set([...row.tags, ...row.product])];
  if (tags.length > 0) input.tags = tags;
  return input;
}
