// The command contract: one table of chat inputs (ordinary, odd, hostile) through the production dispatch path,
// each with the reply class it must get and what it may write. To add a command, add rows to CASES: `{C1}`-style
// placeholders are the fixture records created in beforeAll.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.js';
import { createChat, type Chat } from '../helpers/chat.js';
import { createClock } from '../helpers/clock.js';
import { testDriver, useTestDb } from '../helpers/db.js';

/** Tables a refused input must leave byte-for-byte unchanged (contents compared, not just counts). */
const WATCHED = [
  'customers', 'contacts', 'deals', 'stage_history', 'follow_ups', 'quotes', 'approval_requests', 'approval_steps',
  'audit_log', 'counters', 'nudges', 'handovers', 'users', 'tenants',
] as const;
type Table = (typeof WATCHED)[number];
/** Tables an accepted input may only grow by the `adds` it declares (0 when not listed). */
const RECORDS: Table[] = ['customers', 'contacts', 'deals', 'follow_ups', 'quotes'];

interface Case {
  /** Chat text; `{C1}` … are replaced with fixture ids. */
  say: string;
  /** Sender (default 张三, a rep). */
  as?: string;
  /** Short label shown in the test name when `say` is long or invisible. */
  label?: string;
  expect:
    | { accepted: string; adds?: Partial<Record<Table, number>>; row?: { sql: string; equals: Record<string, unknown> } }
    | { refused: string }
    | { asked: string };
}

const long = (ch: string, n: number) => ch.repeat(n);
/** The newest row of a table with a short number (the clock moves one minute per case, so created_at orders too). */
const lastCustomer = 'select name, phone_normalised, region, industry, grade from customers order by short_no desc limit 1';
const lastDeal = 'select title, amount_fen from deals order by short_no desc limit 1';
const lastFollowUp = 'select summary, next_step from follow_ups order by created_at desc limit 1';
const lastQuote = 'select amount_fen, discount_bp, note from quotes order by short_no desc limit 1';

const CASES: Case[] = [
  // ── /新客户 /customer: positional fields only when they clearly are one ─────────────────────────────────────
  { say: '/新客户 测试公司 123', expect: { refused: '「123」不像电话号码' } },
  { say: '/新客户 测试 123 公司', expect: { refused: '「123」不像电话号码' } },
  { say: '/customer Acme Valves Co., Ltd.', expect: { accepted: '已创建客户', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: 'Acme Valves Co., Ltd.', region: null, industry: null, grade: null } } } },
  { say: '/customer Blue Sky Valves', expect: { accepted: 'Blue Sky Valves', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: 'Blue Sky Valves', region: null, industry: null } } } },
  { say: '/新客户 鸿运塑胶 １３９００１３９０００', label: 'full-width phone digits', expect: { accepted: '电话 13900139000', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: '鸿运塑胶', phone_normalised: '13900139000', region: null } } } },
  { say: '/新客户 永固紧固件 13600001111 浙江 五金 B', expect: { accepted: '地区 浙江', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { region: '浙江', industry: '五金', grade: 'B' } } } },
  { say: '/新客户 大华机电 顺德 机械', expect: { accepted: '行业 机械', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: '大华机电', region: '顺德', industry: '机械' } } } },
  { say: '/新客户 远航 宁波市', expect: { accepted: '地区 宁波市', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: '远航', region: '宁波市' } } } },
  { say: '/新客户 蓝天 测试', expect: { accepted: '已创建客户', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: '蓝天 测试', region: null } } } },
  { say: '/新客户 星辰科技 地区:火星基地 行业:航天', expect: { accepted: '地区 火星基地', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { region: '火星基地', industry: '航天' } } } },
  { say: '/customer Bright Tools phone:021-62345678 region:Shanghai industry:tools grade:a', expect: { accepted: 'Bright Tools', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: 'Bright Tools', phone_normalised: '02162345678', region: 'Shanghai', industry: 'tools', grade: 'A' } } } },
  { say: '/新客户 全角标注 电话：13500135000 等级：C', expect: { accepted: 'C 级', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: '全角标注', phone_normalised: '13500135000', grade: 'C' } } } },
  { say: '/客户 联合精密 +86 135 0013 5001', expect: { accepted: '已创建客户', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: '联合精密', phone_normalised: '13500135001' } } } },
  { say: '/新客户 海天 0571-88886666 杭州', expect: { accepted: '地区 杭州', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: '海天', phone_normalised: '057188886666', region: '杭州' } } } },
  { say: '/新客户 "Plan 9 Ltd" 13311112222', expect: { accepted: 'Plan 9 Ltd', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: 'Plan 9 Ltd', phone_normalised: '13311112222' } } } },
  { say: '/新客户 等级测试 等级:D', expect: { refused: '客户等级只能是 A、B 或 C' } },
  { say: '/新客户 电话测试 电话:12345', expect: { refused: '看起来不像手机或座机号码' } },
  { say: '/新客户', expect: { refused: '请写上公司名' } },
  { say: '／新客户', label: 'full-width slash, no name', expect: { refused: '请写上公司名' } },
  { say: '/新客户 华', expect: { refused: '太短' } },
  { say: '/新客户 \u3164', label: 'Hangul filler as the name', expect: { refused: '请写上公司名' } },
  { say: `/新客户 ${long('长', 6000)}`, label: '6,000-character company name', expect: { refused: '公司名最长 100 个字，现在 6000 个字。' } },
  { say: '/新客户 华东五金 13800138000', expect: { refused: '客户已存在' } },
  { say: '/新客户 华\u200B东\u200D五\u2060金', label: 'zero-width look-alike', expect: { refused: '客户已存在（公司名相同）' } },
  { say: '/新客户 华东五金\uFE0F\u00AD', label: 'variation selector + soft hyphen look-alike', expect: { refused: '客户已存在（公司名相同）' } },
  { say: '/新客户 \u202A华东五金\u202C', label: 'direction-embedding look-alike', expect: { refused: '客户已存在（公司名相同）' } },
  { say: '/新客户 另一家 １３８００１３８０００', label: 'full-width phone of an existing customer', expect: { refused: '客户已存在（电话相同）' } },
  { say: '/新客户 博远\u0000泵业', label: 'NUL inside a name', expect: { accepted: '已创建客户', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: '博远泵业' } } } },
  { say: '/新客户 月光\uD800照明', label: 'lone surrogate inside a name', expect: { accepted: '已创建客户', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: '月光照明' } } } },
  { say: "/新客户 '; drop table customers; --", expect: { accepted: '已创建客户', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: "'; drop table customers; --" } } } },
  { say: '/新客户 <script>alert(1)</script>', expect: { accepted: '已创建客户', adds: { customers: 1 }, row: { sql: lastCustomer, equals: { name: '<script>alert(1)</script>' } } } },

  // ── /新商机 /deal: the last word is an amount only when shaped like one, and a bad one is refused ────────────
  { say: '/新商机 {C1} 测试负数 -5万', expect: { refused: '商机金额不能是负数（收到「-5万」）' } },
  { say: '/新商机 {C1} 测试大数 99999999999999万', expect: { refused: '超过了上限' } },
  { say: '/新商机 {C1} 测试零 0', expect: { refused: '商机金额必须大于零' } },
  { say: '/新商机 {C1} 价格 ¥-5,000', expect: { refused: '商机金额不能是负数' } },
  { say: '/新商机 {C1} 样品单 金额:abc', expect: { refused: '看不懂商机金额「abc」' } },
  { say: '/新商机 {C1} 5万', expect: { refused: '请在金额前写上商机标题' } },
  { say: '/新商机 {C1}', expect: { refused: '请写上商机标题' } },
  { say: `/新商机 {C1} ${long('题', 150)}`, label: '150-character deal title', expect: { refused: '商机标题最长 100 个字，现在 150 个字。' } },
  { say: '/新商机 {C2} 抢单 5万', expect: { refused: '没有找到' } },
  { say: '/新商机 {C1} 阀门备件 12万', expect: { accepted: '¥120,000.00', adds: { deals: 1 }, row: { sql: lastDeal, equals: { title: '阀门备件', amount_fen: 12_000_000 } } } },
  { say: '/新商机 {C1} 标题:DN50 球阀 2000 套 金额:3.5万', expect: { accepted: '「DN50 球阀 2000 套」', adds: { deals: 1 }, row: { sql: lastDeal, equals: { title: 'DN50 球阀 2000 套', amount_fen: 3_500_000 } } } },
  { say: '/deal {C1} pump retrofit 120000', expect: { accepted: '「pump retrofit」', adds: { deals: 1 }, row: { sql: lastDeal, equals: { title: 'pump retrofit', amount_fen: 12_000_000 } } } },
  { say: '/新商机 {C1} 全角金额 ５万', expect: { accepted: '¥50,000.00', adds: { deals: 1 }, row: { sql: lastDeal, equals: { title: '全角金额', amount_fen: 5_000_000 } } } },
  { say: '/新商机 {C1} 球阀 1.2.3', expect: { accepted: '「球阀 1.2.3」', adds: { deals: 1 }, row: { sql: lastDeal, equals: { title: '球阀 1.2.3', amount_fen: null } } } },
  { say: '/新商机 {C1} 大单 金额:10亿', expect: { accepted: '¥1,000,000,000.00', adds: { deals: 1 }, row: { sql: lastDeal, equals: { title: '大单', amount_fen: 100_000_000_000 } } } },
  { say: '/新商机 {C1} 超大单 金额:10.01亿', expect: { refused: '超过了上限 ¥1,000,000,000.00（10亿）' } },
  { say: '/新商机 {C1} 多余的字 标题:重复', expect: { refused: '多出来的「多余的字」不知道放在哪里' } },
  { say: '/新商机 {C1} 标题:带 空格 的标题', expect: { accepted: '「带 空格 的标题」', adds: { deals: 1 }, row: { sql: lastDeal, equals: { title: '带 空格 的标题', amount_fen: null } } } },

  // ── /跟进 /log: dates must be today or later; yearless dates are the next such day ───────────────────────────
  { say: '/跟进 {D1} 电话沟通交期 下次:11-30', expect: { refused: '「11-30」今年已经过去了。是指 2027-11-30 吗？请写完整日期：下次:2027-11-30' } },
  { say: '/跟进 {D1} 电话沟通 下次:2025-01-01', expect: { refused: '「2025-01-01」已经过去了' } },
  { say: '/跟进 {D1} 电话沟通 下次:昨天', expect: { refused: '看不懂日期「昨天」' } },
  { say: '/跟进 {D1} 电话沟通 下次:2027-01-05', expect: { accepted: '下次跟进：2027-01-05 09:00', adds: { follow_ups: 1 } } },
  { say: '/跟进 {D1} 上门拜访 下一步:寄样 下次:12-05', expect: { accepted: '下次跟进：12-05 09:00', adds: { follow_ups: 1 }, row: { sql: lastFollowUp, equals: { summary: '上门拜访', next_step: '寄样' } } } },
  { say: '/跟进 {D1} 看了样品 下次:01-10', expect: { accepted: '下次跟进：2027-01-10 09:00', adds: { follow_ups: 1 } } },
  { say: '/跟进 {D1} 电话 下次：明天', expect: { accepted: '下次跟进：12-03 09:00', adds: { follow_ups: 1 } } },
  { say: '/跟进 {D1} 今天又打了电话 下次:今天', expect: { accepted: '下次跟进：12-02 09:00', adds: { follow_ups: 1 } } },
  { say: '/log {D1} called the buyer next:send quote due:12-10', expect: { accepted: '下次跟进：12-10 09:00', adds: { follow_ups: 1 }, row: { sql: lastFollowUp, equals: { summary: 'called the buyer', next_step: 'send quote' } } } },
  { say: '/跟进 {D1} x 下次:下辈子', expect: { refused: '看不懂日期「下辈子」' } },
  { say: '/跟进 {D1} x 类型:飞鸽', expect: { refused: '跟进类型只能是' } },
  { say: `/跟进 {D1} ${long('字', 2500)}`, label: '2,500-character follow-up', expect: { refused: '跟进内容最长 2000 个字，现在 2500 个字。' } },
  { say: `/跟进 {D1} 打了电话 下一步:${long('步', 300)}`, label: '300-character next step', expect: { refused: '下一步最长 200 个字，现在 300 个字。' } },
  { say: `/跟进 {D1} ${long('x', 20_000)}`, label: '20,000-character message', expect: { refused: '消息太长了：最长 10000 个字，现在' } },
  { say: '/跟进 {D2} 偷看', expect: { refused: '没有找到商机' } },
  { say: '/跟进 D-9999 打了电话', expect: { refused: '没有找到商机「D-9999」' } },
  { say: '/跟进 {D1}', expect: { refused: '请写上客户或商机' } },
  { say: '/跟进 {D1} 客户说\u0000价格\uD83D贵', label: 'NUL and a lone surrogate in a follow-up', expect: { accepted: '已记录', adds: { follow_ups: 1 }, row: { sql: lastFollowUp, equals: { summary: '客户说价格贵' } } } },
  { say: '/跟进 {D1} 今天\u202E拜访\u202C了', label: 'direction override in a follow-up', expect: { accepted: '已记录拜访跟进', adds: { follow_ups: 1 }, row: { sql: lastFollowUp, equals: { summary: '今天拜访了' } } } },
  { say: '/跟进 {D1} 电话\t沟通\r\n交期', label: 'tab and CRLF', expect: { accepted: '已记录', adds: { follow_ups: 1 }, row: { sql: lastFollowUp, equals: { summary: '电话 沟通\n交期' } } } },
  { say: '今天去华东五金拜访了，聊了交期', expect: { accepted: '已记录拜访跟进', adds: { follow_ups: 1 }, row: { sql: lastFollowUp, equals: { summary: '今天去华东五金拜访了，聊了交期' } } } },
  { say: '随便说一句', expect: { refused: '/帮助' } },
  { say: '/撤销', expect: { accepted: '已撤销跟进' } },
  { say: '/跟进 阀门 电话回访', expect: { asked: '匹配到 2 个客户' } },

  // ── /推进 /输单 ───────────────────────────────────────────────────────────────────────────────────────────────
  { say: '/推进 {D1} 火星', expect: { refused: '不认识阶段「火星」' } },
  { say: '/推进 {D1}', expect: { refused: '请写上商机和目标阶段' } },
  { say: '/推进 {D2} 方案', expect: { refused: '没有找到' } },
  { say: '/stage {D1} won', expect: { refused: '已审批通过的报价' } },
  { say: '/推进 {D1} 初访', expect: { accepted: '线索 → 初访' } },
  { say: '/输单 {D1}', expect: { refused: '输单必须写原因' } },
  { say: `/输单 {D1} ${long('因', 600)}`, label: '600-character lost reason', expect: { refused: '原因最长 500 个字，现在 600 个字。' } },
  { say: '/输单 {D2} 抢单', expect: { refused: '没有找到' } },
  { say: '/输单 {D4} 价格高于竞品', expect: { accepted: '已标记为输单' } },
  { say: '/输单 {D4} 再输一次', expect: { refused: '已经输单' } },

  // ── /报价 /quote: amounts above zero and under the cap, discounts 0–100 % ─────────────────────────────────────
  { say: '/报价 {D1} 5万 -3%', expect: { refused: '折扣「-3%」不对：折扣必须在 0% 到 100% 之间' } },
  { say: '/报价 {D1} ５万 －３％', label: 'full-width negative discount', expect: { refused: '不对：折扣必须在 0% 到 100% 之间' } },
  { say: '/报价 {D1} 5万 150%', expect: { refused: '折扣「150%」不对' } },
  { say: '/报价 {D1} 5万 100%', expect: { refused: '折扣「100%」不对' } },
  { say: '/报价 {D1} 5万 折扣:abc', expect: { refused: '折扣「abc」不对' } },
  { say: '/报价 {D1} 0', expect: { refused: '报价金额必须大于零' } },
  { say: '/报价 {D1} -5万', expect: { refused: '报价金额不能是负数' } },
  { say: '/报价 {D1} abc', expect: { refused: '看不懂报价金额「abc」' } },
  { say: '/报价 {D1} 99999999999999万', expect: { refused: '报价金额「99999999999999万」超过了上限' } },
  { say: '/报价 {D1}', expect: { refused: '请写上商机和报价金额' } },
  { say: `/报价 {D1} 4万 ${long('注', 600)}`, label: '600-character quote note', expect: { refused: '备注最长 500 个字，现在 600 个字。' } },
  { say: '/报价 {D2} 3万', expect: { refused: '没有找到' } },
  { say: '/报价 {D1} 4万 3% 老客户返单', expect: { accepted: '已提交报价审批', adds: { quotes: 1 }, row: { sql: lastQuote, equals: { amount_fen: 4_000_000, discount_bp: 300, note: '老客户返单' } } } },
  { say: '/quote {D3} 金额:3万 折扣:9折 备注:急单', expect: { accepted: '折扣 10%', adds: { quotes: 1 }, row: { sql: lastQuote, equals: { amount_fen: 3_000_000, discount_bp: 1000, note: '急单' } } } },

  // ── /批准 /驳回, views, help, settings, unknown commands ─────────────────────────────────────────────────────
  { say: '/批准', expect: { refused: '请写上审批号' } },
  { say: '/驳回 A-1', expect: { refused: '驳回需要写原因' } },
  { say: `/驳回 A-1 ${long('驳', 700)}`, as: '吴经理', label: '700-character rejection comment', expect: { refused: '审批意见最长 500 个字，现在 700 个字。' } },
  { say: '/查看 {C1}', expect: { accepted: '华东五金' } },
  { say: '/查看 {C2}', expect: { refused: '没有找到' } },
  { say: '/待办', expect: { accepted: '我的待办' } },
  { say: '/漏斗', expect: { accepted: '销售漏斗（我的）' } },
  { say: '/pipeline mine', expect: { accepted: '销售漏斗' } },
  { say: '/批准 A-999', expect: { refused: '没有找到审批 A-999' } },
  { say: '/approve A-1', label: 'the requester approving their own quote', expect: { refused: '是你发起的，不能自己审批' } },
  { say: '/推迟 {D1}', expect: { accepted: '的提醒推迟到 12-05' } },
  { say: '/推迟', expect: { refused: '请写上商机' } },
  { say: '/设置 上级 张三 李四', expect: { refused: '只有管理员可以修改设置' } },
  { say: '/交接 张三 李四', expect: { refused: '可以发起离职交接' } },
  { say: '/接收交接 H-1', expect: { refused: '交接编号应当像' } },
  // ── dedup suggestions, record upkeep, merge, withdraw (issue 15 parts 3–6) ─────────────────────────────────
  { say: '/新客户 浙江华东五金制品有限公司', label: 'a longer variant of C1 is offered, not created', expect: { asked: '可能是同一家' } },
  { say: '/新客户 华东五金(浙江)有限公司', label: 'bracketed region + legal form = C1', expect: { refused: '客户已存在（公司名相同）' } },
  { say: '/报价 {D1} 4.5万', label: 'second pending request on one deal', expect: { refused: '已有待审批的报价' } },
  { say: '/撤回 A-1', as: '吴经理', label: 'only the requester withdraws', expect: { refused: '只有发起人' } },
  { say: '/修改 {C1} 等级 B', expect: { accepted: '等级：A → B' } },
  { say: '/修改 {C1} 等级 Z', expect: { refused: '客户等级只能是 A、B 或 C' } },
  { say: '/修改 {C1} 生日 1990', expect: { refused: '不能修改「生日」' } },
  { say: '/修改 {C2} 等级 A', label: "a colleague's customer", expect: { refused: '没有找到' } },
  { say: '/修改 {D3} 金额 -5万', expect: { refused: '金额不能是负数' } },
  { say: '/修改 {D3} 金额：3000', label: 'labelled deal amount', expect: { accepted: '¥3,000.00' } },
  { say: '/修改 {D4} 金额 3000', label: 'amount of a lost deal', expect: { refused: '不能再改金额' } },
  { say: '/修改 {D1} 等级 A', label: 'customer field on a deal', expect: { refused: '商机只能改标题、金额和预计成交' } },
  { say: '/标签 {C1} +外资 +返单客户', expect: { accepted: '添加 外资、返单客户' } },
  { say: '/tag {C1} -潜在', expect: { accepted: '没有这些标签：潜在' } },
  { say: '/联系人 {C1} 王经理 采购 13912345678', expect: { accepted: '王经理', adds: { contacts: 1 }, row: { sql: 'select name, decision_role, phone from contacts order by created_at desc limit 1', equals: { name: '王经理', phone: '13912345678' } } } },
  { say: `/联系人 {C1} ${long('王', 80)}`, label: '80-character contact name', expect: { refused: '50' } },
  { say: '/重开 {D3} 客户回来了', label: 'reopen a deal that is not lost', expect: { refused: '无需重开' } },
  { say: '/合并 {C3} {C1}', label: 'a rep cannot merge', expect: { refused: '只有销售经理或管理员可以合并客户' } },
  { say: '/合并 {C1} {C1}', as: '吴经理', expect: { refused: '合并到它自己' } },
  { say: '/合并 华东五金 {C3}', as: '吴经理', expect: { refused: '合并请用客户编号' } },
  { say: '/帮助', expect: { accepted: 'ChatCRM 命令' } },
  { say: '/帮助 新客户', expect: { accepted: '电话:' } },
  { say: '/不存在 x', expect: { refused: '没有「/不存在」这个命令' } },
  { say: '/', expect: { refused: '/帮助' } },
];

const snapshot = async (db: Parameters<typeof queryRows>[0]) => {
  const out: Record<string, { n: number; h: string | null }> = {};
  for (const table of WATCHED) {
    const [r] = await queryRows<{ n: number; h: string | null }>(
      db,
      sql.raw(`select count(*)::int as n, md5(string_agg(t::text, '|' order by t::text)) as h from ${table} t`),
    );
    out[table] = { n: Number(r!.n), h: r!.h };
  }
  return out;
};

describe(`command contract: every input understood exactly or refused (${testDriver()})`, () => {
  const t = useTestDb();
  const clock = createClock('2026-12-02T06:00:00Z'); // Wednesday 14:00 in Asia/Shanghai
  let chat: Chat;
  const ids: Record<string, string> = {};
  const grab = (key: string, re: RegExp, reply: string) => {
    const m = re.exec(reply);
    if (!m) throw new Error(`fixture ${key}: ${reply}`);
    ids[key] = m[0];
  };

  beforeAll(async () => {
    chat = createChat(t(), { now: clock.now });
    await chat.say('管理员', '/帮助', { role: 'admin' });
    await chat.say('钱财务', '/帮助', { role: 'finance' });
    await chat.say('孙技术', '/帮助', { role: 'tech' });
    await chat.say('周总监', '/帮助', { role: 'director' });
    await chat.say('吴经理', '/帮助', { role: 'manager' });
    await chat.say('张三', '/帮助');
    await chat.say('李四', '/帮助');
    await chat.say('管理员', '/设置 上级 张三 吴经理');
    grab('C1', /C-\d+/, (await chat.say('张三', '/新客户 华东五金 13800138000 上海 五金 A')).text);
    grab('D1', /D-\d+/, (await chat.say('张三', `/新商机 ${ids.C1} 不锈钢球阀 5万`)).text);
    grab('C2', /C-\d+/, (await chat.say('李四', '/新客户 苏州泵阀 13700002222')).text);
    grab('D2', /D-\d+/, (await chat.say('李四', `/新商机 ${ids.C2} 离心泵 8万`)).text);
    grab('C3', /C-\d+/, (await chat.say('张三', '/新客户 宁波精工模具 13900001111')).text);
    grab('D3', /D-\d+/, (await chat.say('张三', `/新商机 ${ids.C3} 注塑模具`)).text);
    grab('D4', /D-\d+/, (await chat.say('张三', `/新商机 ${ids.C3} 试模小单 2000`)).text);
    await chat.say('张三', '/新客户 温州阀门一厂 13500004444');
    await chat.say('张三', '/新客户 温州阀门二厂 13500005555');
  });

  it('has at least 80 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(80);
  });

  for (const [i, c] of CASES.entries()) {
    const shown = c.label ?? (c.say.length > 60 ? `${c.say.slice(0, 60)}…` : c.say);
    const kind = 'accepted' in c.expect ? 'accepted' : 'refused' in c.expect ? 'refused' : 'asked';
    it(`#${i + 1} ${kind}: ${JSON.stringify(shown).slice(1, -1)}`, async () => {
      clock.advanceHours(1 / 60);
      const db = t().db;
      const text = c.say.replace(/\{([A-Z]\d+)\}/g, (_m, k: string) => ids[k] ?? `{${k}}`);
      const before = await snapshot(db);
      const reply = (await chat.say(c.as ?? '张三', text)).text;
      const after = await snapshot(db);
      const e = c.expect;
      if ('accepted' in e) {
        expect(reply).toContain(e.accepted);
        expect(reply).not.toMatch(/抱歉，系统处理这条消息时出错了/);
        for (const table of RECORDS) expect({ table, delta: after[table]!.n - before[table]!.n }).toEqual({ table, delta: e.adds?.[table] ?? 0 });
        if (e.row) expect((await queryRows<Record<string, unknown>>(db, sql.raw(e.row.sql)))[0]).toMatchObject(normaliseRow(e.row.equals));
      } else {
        expect(reply).toContain('refused' in e ? e.refused : e.asked);
        expect(reply).not.toMatch(/抱歉，系统处理这条消息时出错了|已创建|已记录|已提交/);
        expect(after).toEqual(before);
      }
    });
  }
});

/** bigint columns come back as strings from some drivers: compare money as numbers. */
function normaliseRow(equals: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(equals).map(([k, v]) => [k, typeof v === 'number' ? expect.toSatisfy((x: unknown) => Number(x) === v) : v]),
  );
}
