// The renderer contract: every renderer (WeCom app and group robot, Feishu, DingTalk robot message and template
// card, console) runs the same checks. Every card kind renders within the platform's documented limits; its title,
// fields and buttons are there; a pressed button sends back exactly the card's action data (through the platform's
// own decoder) or its command; no user text becomes markup (the hostile corpus in every slot) and it still reads as
// the user wrote it; terminal and direction controls never get through. A new renderer adds one entry to `renderers`.
import { describe, expect, it } from 'vitest';
import { decodeCardCallback, decodeRobotMessage } from '../../bots/dingtalk/decode.js';
import { decodeCardAction } from '../../bots/feishu/decode.js';
import { consoleEvent } from '../../bots/console/adapter.js';
import { decodeMessage } from '../../bots/wecom/decode.js';
import { decodeActionData } from '../../cards/action-data.js';
import { consoleText, renderConsoleCard } from '../../cards/console/render.js';
import { DINGTALK_LIMITS } from '../../cards/dingtalk/limits.js';
import { dingtalkMarkdownText, renderDingtalkMessage, renderDingtalkTemplateData, type RobotMessage } from '../../cards/dingtalk/render.js';
import { FEISHU_COLOURS, FEISHU_LIMITS } from '../../cards/feishu/limits.js';
import { renderFeishuCard } from '../../cards/feishu/render.js';
import type { Text } from '../../cards/markup.js';
import type { Card, CardButton } from '../../cards/model.js';
import { WECOM_LIMITS } from '../../cards/wecom/limits.js';
import { renderWecomCard, renderWecomMarkdown, wecomMarkdownMessage } from '../../cards/wecom/render.js';
import { kinds, messages, moreSamples, oversize, samples } from './card-samples.js';
import { BENIGN, HOSTILE, feishuMarkup, markupCounts as counts } from './hostile-corpus.js';

const now = new Date('2026-11-25T02:32:00Z');
const bytes = (s: string) => Buffer.byteLength(s);
const chars = (s: string) => Array.from(s).length;

/** What pressing a shown button sends back to ChatCRM: action data (a callback) or a command the user sends. */
type Press = { data: string } | { command: string };

interface Renderer<Out> {
  render(card: Card): Out;
  /** Everything a reader sees, as displayed (escapes decoded), in one string. */
  visible(out: Out): string;
  /** The strings the platform parses as markup, plus its buttons and link targets (hostile-corpus.ts counts them). */
  markup(out: Out): string;
  /** The buttons as shown, in order: their label and what a press sends back, through the platform's decoder. */
  buttons(out: Out, card: Card): Array<{ label: string; press: () => Press }>;
  /** Which of the card's buttons this platform shows as buttons (the rest are listed in `typed`, or the body says how). */
  shown(card: Card): CardButton[];
  /** Buttons whose command must be written out in the text for the user to type. */
  typed(card: Card): CardButton[];
  /** How many fields a reader sees (WeCom's template card shows at most six). */
  fields(card: Card): number;
  /** The platform's documented limits and shape; `expect`s. */
  limits(out: Out, card: Card): void;
  /** A markdown message (title + text) as this platform sends it, what of it is markup and what a reader sees;
   *  absent where the form has none (template cards). */
  message?: { render: (t: Text) => string; markup: (s: string) => string; visible: (s: string) => string };
}

const renderer = <Out,>(r: Renderer<Out>) => r as Renderer<unknown>;
const all = (card: Card) => card.buttons;
const none = () => [];
const withCommand = (card: Card) => card.buttons.filter((b) => b.command);

// ---- WeCom -----------------------------------------------------------------------------------------------------

type WecomOut = { card: ReturnType<typeof renderWecomCard> } | { markdown: string };

/** A click on a WeCom template-card button: the decrypted callback XML (doc 90240 template_card_event). */
function wecomClick(key: string) {
  const xml = `<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1764037920</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[${key}]]></EventKey><TaskId><![CDATA[t1]]></TaskId><AgentID>1000002</AgentID></xml>`;
  const event = decodeMessage(xml, 'ww1', now);
  if (event?.type !== 'card_action') throw new Error('WeCom click did not decode');
  return { data: event.data };
}

const wecomMarkdownLimits = (md: string, max: number) => {
  expect(bytes(md)).toBeLessThanOrEqual(max);
};

const wecomApp = renderer<WecomOut>({
  // As the adapter sends one-to-one: a button_interaction template card when there are buttons, markdown otherwise.
  render: (card) => (card.buttons.length > 0 ? { card: renderWecomCard(card, { taskId: 'crm-approval-0123456789abcdef' }) } : { markdown: renderWecomMarkdown(card) }),
  visible: (out) =>
    ('markdown' in out
      ? out.markdown
      : [out.card.main_title.title, out.card.main_title.desc ?? '', out.card.sub_title_text ?? '', ...(out.card.horizontal_content_list ?? []).flatMap((f) => [f.keyname, f.value]), ...out.card.button_list.map((b) => b.text)].join('\n')
    ).normalize('NFKC'),
  // Template-card text slots are plain text: only the button keys act.
  markup: (out) => ('markdown' in out ? out.markdown : out.card.button_list.map((b) => `"key" ${b.key}`).join('\n')),
  buttons: (out) => ('markdown' in out ? [] : out.card.button_list.map((b) => ({ label: b.text, press: () => wecomClick(b.key) }))),
  shown: (card) => card.buttons.slice(0, WECOM_LIMITS.buttons),
  typed: none,
  fields: (card) => (card.buttons.length > 0 ? Math.min(card.fields.length, WECOM_LIMITS.fields) : card.fields.length),
  limits: (out) => {
    if ('markdown' in out) return wecomMarkdownLimits(out.markdown, WECOM_LIMITS.appMarkdownBytes);
    const c = out.card;
    expect(c.card_type).toBe('button_interaction');
    expect(c.task_id).toMatch(/^[A-Za-z0-9_\-@]{1,128}$/);
    expect(chars(c.main_title.title)).toBeLessThanOrEqual(WECOM_LIMITS.title);
    if (c.main_title.desc !== undefined) expect(chars(c.main_title.desc)).toBeLessThanOrEqual(WECOM_LIMITS.desc);
    if (c.sub_title_text !== undefined) expect(chars(c.sub_title_text)).toBeLessThanOrEqual(WECOM_LIMITS.subTitle);
    expect(c.button_list.length).toBeGreaterThanOrEqual(1);
    expect(c.button_list.length).toBeLessThanOrEqual(WECOM_LIMITS.buttons);
    for (const b of c.button_list) {
      expect(bytes(b.key)).toBeLessThanOrEqual(WECOM_LIMITS.buttonKeyBytes);
      expect([1, 2, 3, 4]).toContain(b.style);
      expect(chars(b.text)).toBeLessThanOrEqual(WECOM_LIMITS.buttonText);
    }
    expect((c.horizontal_content_list ?? []).length).toBeLessThanOrEqual(WECOM_LIMITS.fields);
    for (const f of c.horizontal_content_list ?? []) {
      expect(chars(f.keyname)).toBeLessThanOrEqual(WECOM_LIMITS.keyname);
      expect(chars(f.value)).toBeLessThanOrEqual(WECOM_LIMITS.value);
    }
  },
  message: { render: (t) => wecomMarkdownMessage('标题', t), markup: (s) => s, visible: (s) => s.normalize('NFKC') },
});

/** Group chats get every card as group-robot markdown: its buttons become commands to type. */
const wecomRobot = renderer<string>({
  render: (card) => renderWecomMarkdown(card, WECOM_LIMITS.robotMarkdownBytes),
  visible: (out) => out.normalize('NFKC'),
  markup: (out) => out,
  buttons: none,
  shown: none,
  typed: withCommand,
  fields: (card) => card.fields.length,
  limits: (out) => wecomMarkdownLimits(out, WECOM_LIMITS.robotMarkdownBytes),
  message: { render: (t) => wecomMarkdownMessage('标题', t), markup: (s) => s, visible: (s) => s.normalize('NFKC') },
});

// ---- Feishu ----------------------------------------------------------------------------------------------------

type FeishuButton = { tag: string; type: string; text: { tag: string; content: string }; behaviors: Array<{ type: string; value: unknown }> };

function feishuButtons(card: Record<string, unknown>): FeishuButton[] {
  const elements = (card.body as { elements: Array<{ tag: string; columns?: Array<{ elements: FeishuButton[] }> }> }).elements;
  return elements.filter((e) => e.tag === 'column_set').flatMap((s) => (s.columns ?? []).map((col) => col.elements[0]!));
}

/** Every text a Feishu reader sees (plain_text and markdown), entities decoded as Feishu displays them. */
function feishuVisible(card: Record<string, unknown>): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.tag === 'plain_text' || o.tag === 'markdown' || o.tag === 'lark_md') && typeof o.content === 'string') out.push(o.content);
      Object.values(o).forEach(walk);
    }
  };
  walk({ header: card.header, body: card.body });
  return out.join('\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').normalize('NFKC');
}

/** A click as Feishu delivers it (card.action.trigger, flattened by the SDK), through our decoder. */
function feishuClick(value: unknown) {
  const event = decodeCardAction({ event_id: 'e1', tenant_key: 't1', operator: { open_id: 'ou_1' }, action: { tag: 'button', value }, context: { open_message_id: 'om_1' } }, now);
  if (event?.type !== 'card_action') throw new Error('Feishu click did not decode');
  return { data: event.data };
}

const feishu = renderer<Record<string, unknown>>({
  render: renderFeishuCard,
  visible: feishuVisible,
  markup: feishuMarkup,
  buttons: (out) => feishuButtons(out).map((b) => ({ label: b.text.content, press: () => feishuClick(b.behaviors[0]!.value) })),
  shown: (card) => card.buttons.slice(0, FEISHU_LIMITS.buttons),
  typed: none,
  fields: (card) => card.fields.length,
  limits: (out) => {
    const c = out as { schema: string; config: { update_multi: boolean }; header: { title: { tag: string; content: string }; template: string } };
    expect(c.schema).toBe('2.0');
    expect(c.config.update_multi).toBe(true);
    expect(c.header.title).toEqual({ tag: 'plain_text', content: expect.any(String) });
    expect(chars(c.header.title.content)).toBeLessThanOrEqual(FEISHU_LIMITS.title);
    expect(FEISHU_COLOURS).toContain(c.header.template);
    expect(bytes(JSON.stringify(out))).toBeLessThanOrEqual(FEISHU_LIMITS.cardBytes);
    for (const b of feishuButtons(out)) {
      expect(b.tag).toBe('button');
      expect(['primary', 'danger', 'default']).toContain(b.type);
      expect(chars(b.text.content)).toBeLessThanOrEqual(FEISHU_LIMITS.buttonText);
      // The SDKs accept only object values on callback buttons.
      expect(b.behaviors[0]).toEqual({ type: 'callback', value: { d: expect.any(String) } });
    }
  },
  // A markdown message goes out as a button-less card (the adapter's notice).
  message: {
    render: (t) => feishuMarkup(renderFeishuCard({ kind: 'notice', title: 'x', state: 'info', fields: [], body: t, buttons: [] })),
    markup: (s) => s,
    visible: (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').normalize('NFKC'),
  },
});

// ---- DingTalk --------------------------------------------------------------------------------------------------

const COMMAND_LINK = 'dtmd://dingtalkclient/sendMessage?content=';

function dingtalkRobotButtons(m: RobotMessage): Array<{ label: string; url: string }> {
  const p = m.msgParam;
  if (p.singleURL !== undefined) return [{ label: p.singleTitle ?? '', url: p.singleURL }];
  const out: Array<{ label: string; url: string }> = [];
  for (let i = 1; p[`actionURL${i}`] !== undefined; i++) out.push({ label: p[`actionTitle${i}`] ?? '', url: p[`actionURL${i}`]! });
  return out;
}

/** Tapping an ActionCard button makes the user send its command: that message, through our robot-message decoder. */
function dingtalkTap(url: string) {
  expect(url.startsWith(COMMAND_LINK)).toBe(true);
  const content = new URL(url).searchParams.get('content') ?? '';
  const event = decodeRobotMessage({ msgId: 'm1', msgtype: 'text', text: { content }, conversationType: '1', conversationId: 'c1', senderStaffId: 'staff1' }, now);
  if (typeof event === 'string' || event.type !== 'message') throw new Error('DingTalk tap did not decode');
  return { command: event.text };
}

const dingtalkRobot = renderer<RobotMessage>({
  render: renderDingtalkMessage,
  visible: (m) => [m.msgParam.title, m.msgParam.text, ...dingtalkRobotButtons(m).map((b) => b.label)].join('\n').normalize('NFKC'),
  markup: (m) => {
    const buttons = Object.entries(m.msgParam).filter(([k]) => /URL/.test(k)).map(([k, v]) => `"${k}" ${v}`);
    return [m.msgParam.text, ...buttons].join('\n');
  },
  buttons: (m) => dingtalkRobotButtons(m).map((b) => ({ label: b.label, press: () => dingtalkTap(b.url) })),
  shown: (card) => withCommand(card).slice(0, DINGTALK_LIMITS.actionCardButtons),
  typed: (card) => withCommand(card).slice(DINGTALK_LIMITS.actionCardButtons),
  fields: (card) => card.fields.length,
  limits: (m, card) => {
    expect(bytes(JSON.stringify(m.msgParam))).toBeLessThanOrEqual(DINGTALK_LIMITS.msgParamBytes);
    expect(chars(m.msgParam.title ?? '')).toBeLessThanOrEqual(DINGTALK_LIMITS.title);
    const n = Math.min(withCommand(card).length, DINGTALK_LIMITS.actionCardButtons);
    expect(m.msgKey).toBe(n === 0 ? 'sampleMarkdown' : n === 1 ? 'sampleActionCard' : `sampleActionCard${n}`);
    for (const b of dingtalkRobotButtons(m)) expect(chars(b.label)).toBeLessThanOrEqual(DINGTALK_LIMITS.buttonText);
    // The only links we make send one of our own commands back to our robot.
    for (const b of dingtalkRobotButtons(m)) expect(new URL(b.url).searchParams.get('content')).toMatch(/^\/\S+ [A-Z]-[0-9A-Z]+$/);
  },
  message: { render: (t) => dingtalkMarkdownText(t), markup: (s) => s, visible: (s) => s.normalize('NFKC') },
});

/** A click on the ChatCRM template card (cards/dingtalk/TEMPLATE.md): callback parameter `d` = the button's btnNData. */
function dingtalkCardClick(i: number, d: string) {
  const event = decodeCardCallback({ outTrackId: 'track1', userId: 'staff1', corpId: 'ding1', content: JSON.stringify({ cardPrivateData: { actionIds: [`btn${i}`], params: { d } } }) }, now);
  if (event?.type !== 'card_action') throw new Error('DingTalk card click did not decode');
  return { data: event.data };
}

const TEMPLATE_BUTTONS = 3;
const TEMPLATE_TITLE = 60;
const TEMPLATE_SUBTITLE = 80;
const TEMPLATE_FOOTER = 120;
const TEMPLATE_MARKDOWN_BYTES = 8000;

const dingtalkTemplate = renderer<Record<string, string>>({
  render: renderDingtalkTemplateData,
  visible: (v) => [v.title, v.subtitle, v.markdown, v.footer, v.btn1Label, v.btn2Label, v.btn3Label].join('\n').normalize('NFKC'),
  // title, subtitle, footer and labels are bound to text components; only `markdown` is parsed.
  markup: (v) => v.markdown ?? '',
  buttons: (v) =>
    [1, 2, 3].filter((i) => v[`btn${i}Label`]).map((i) => ({ label: v[`btn${i}Label`]!, press: () => dingtalkCardClick(i, v[`btn${i}Data`]!) })),
  shown: (card) => card.buttons.slice(0, TEMPLATE_BUTTONS),
  typed: (card) => card.buttons.slice(TEMPLATE_BUTTONS).filter((b) => b.command),
  fields: (card) => card.fields.length,
  limits: (v, card) => {
    for (const x of Object.values(v)) expect(typeof x).toBe('string');
    expect(v.hasButtons).toBe(card.buttons.length > 0 ? 'true' : 'false');
    expect(chars(v.title!)).toBeLessThanOrEqual(TEMPLATE_TITLE);
    expect(chars(v.subtitle!)).toBeLessThanOrEqual(TEMPLATE_SUBTITLE);
    expect(chars(v.footer!)).toBeLessThanOrEqual(TEMPLATE_FOOTER);
    expect(bytes(v.markdown!)).toBeLessThanOrEqual(TEMPLATE_MARKDOWN_BYTES);
    for (let i = 1; i <= TEMPLATE_BUTTONS; i++) {
      expect(chars(v[`btn${i}Label`]!)).toBeLessThanOrEqual(DINGTALK_LIMITS.buttonText);
      expect(['primary', 'danger', 'default']).toContain(v[`btn${i}Style`]);
    }
  },
});

// ---- Console ---------------------------------------------------------------------------------------------------

const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;

/** A press in `npm run chat`: the user types the number; the CLI sends that button (kept in the mailbox as JSON). */
function consolePress(card: Card, n: number) {
  const kept = (JSON.parse(JSON.stringify(card)) as Card).buttons[n - 1]!;
  const event = consoleEvent({ user: '张三', eventKey: 'k1', action: { name: kept.action, data: kept.data, cardRef: 'console:张三:1' } }, now);
  if (event.type !== 'card_action') throw new Error('console press did not decode');
  return { data: event.data };
}

const consoleRenderer = renderer<string>({
  render: (card) => renderConsoleCard(card),
  // The frame (┌ │ └) is ours.
  visible: (out) => out.replace(/(^|\n)[┌│└] ?/g, '$1'),
  // The terminal parses no markdown; what it would act on are control sequences.
  markup: (out) => (out.match(TERMINAL_CONTROLS) ?? []).join(''),
  buttons: (out, card) => {
    const line = out.split('\n').find((l) => /^│ \[\d+\] /.test(l)) ?? '';
    return [...line.matchAll(/\[(\d+)\] (.*?)(?= {2}\[\d+\] |$)/g)].map((m) => ({ label: m[2]!, press: () => consolePress(card, Number(m[1])) }));
  },
  shown: all,
  typed: none,
  fields: (card) => card.fields.length,
  limits: (out) => expect(out.match(TERMINAL_CONTROLS)).toBeNull(),
  message: { render: (t) => consoleText(t), markup: (s) => (s.match(TERMINAL_CONTROLS) ?? []).join(''), visible: (s) => s },
});

const renderers: Record<string, Renderer<unknown>> = {
  'wecom app': wecomApp,
  'wecom group robot': wecomRobot,
  feishu,
  'dingtalk robot message': dingtalkRobot,
  'dingtalk template card': dingtalkTemplate,
  console: consoleRenderer,
};

// ---- The contract ----------------------------------------------------------------------------------------------

const cards: Record<string, Card> = { ...samples, ...moreSamples, ...Object.fromEntries(Object.entries(kinds).map(([k, b]) => [`${k} (benign)`, b(BENIGN)])) };
/** The first few code points a clipped slot still shows (WeCom clips field names to 5 with an ellipsis). */
const head = (s: string, n = 4) => Array.from(s.normalize('NFKC').trim()).slice(0, n).join('');
/** What the user wrote, as a reader sees it: whitespace runs collapsed. */
const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

describe.each(Object.entries(renderers))('%s renderer', (_name, r) => {
  describe.each(Object.entries(cards))('%s', (_card, card) => {
    const out = r.render(card);

    it('renders within the platform limits', () => {
      r.limits(out, card);
    });

    it('shows the title, the fields, the buttons and the footer', () => {
      const seen = r.visible(out);
      expect(seen).toContain(head(card.title));
      for (const f of card.fields.slice(0, r.fields(card))) {
        expect(seen).toContain(head(f.label));
        expect(seen).toContain(head(f.value));
      }
      if (card.footer) expect(seen).toContain(head(card.footer, 8));
      const buttons = r.buttons(out, card);
      const shown = r.shown(card);
      expect(buttons.map((b) => b.label)).toEqual(shown.map((b) => b.label));
      for (const b of r.typed(card)) expect(seen).toContain(b.command!.trim());
    });

    it('a pressed button sends back its own action data or command', () => {
      const shown = r.shown(card);
      const pressed = r.buttons(out, card).map((b) => b.press());
      expect(pressed).toHaveLength(shown.length);
      pressed.forEach((p, i) => {
        const b = shown[i]!;
        if ('data' in p) {
          expect(p.data).toBe(b.data);
          const decoded = decodeActionData(p.data);
          expect(decoded.ok).toBe(true);
          expect(decoded).toEqual(decodeActionData(b.data));
          if (decoded.ok) expect(decoded.value.a).toBe(b.action);
        } else {
          expect(p.command).toBe(b.command!.trim());
        }
      });
    });
  });

  describe.each(Object.entries(oversize))('oversize: %s', (_card, card) => {
    it('is cut to the platform limits, on a character boundary', () => {
      const out = r.render(card);
      r.limits(out, card);
      for (const s of strings(out)) expect(s, 'a lone surrogate: a cut inside a character').not.toMatch(LONE_SURROGATE);
      expect(r.visible(out)).toContain(head(card.title));
    });
  });

  describe.each(Object.entries(kinds))('%s card with hostile user text', (_k, build) => {
    const base = counts(r.markup(r.render(build(BENIGN))));
    it.each(HOSTILE.map((h, i) => [i, h] as const))('hostile #%i makes no markup', (_i, h) => {
      expect(counts(r.markup(r.render(build(h))))).toEqual(base);
    });
    it.each(HOSTILE.map((h, i) => [i, h] as const))('hostile #%i reads as written', (_i, h) => {
      // Clipped slots (WeCom template cards) still show the first stretch as written.
      expect(flat(r.visible(r.render(build(h))))).toContain(flat(h.normalize('NFKC')).slice(0, 12));
    });
    it('buttons only ever send our own data and commands, never user text', () => {
      const card = build(HOSTILE[0]!);
      const shown = r.shown(card);
      r.buttons(r.render(card), card).forEach((b, i) => {
        const p = b.press();
        if ('data' in p) expect(p.data).toBe(shown[i]!.data);
        else expect(p.command).toMatch(/^\/(批准|驳回|跟进|推迟|输单|查看|接收交接) [A-Z]-[0-9A-Z]+$/);
      });
    });
    it('terminal and direction controls in user text never get through', () => {
      const out = r.render(build('名字\u001b[31m红\u202e'));
      expect(JSON.stringify(out)).not.toMatch(/\\u001b|\u202e/);
      expect(r.visible(out)).toContain('名字[31m红');
    });
  });

  const message = r.message;
  if (message) {
    describe.each(Object.entries(messages))('%s message with hostile user text', (_k, build) => {
      const base = counts(message.markup(message.render(build(BENIGN))));
      it.each(HOSTILE.map((h, i) => [i, h] as const))('hostile #%i makes no markup and reads as written', (_i, h) => {
        const out = message.render(build(h));
        expect(counts(message.markup(out))).toEqual(base);
        expect(flat(message.visible(out))).toContain(flat(h.normalize('NFKC')));
      });
    });
  }
});

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Every string inside a rendered output. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  return v && typeof v === 'object' ? Object.values(v).flatMap(strings) : [];
}

it('every renderer is in the contract', () => {
  expect(Object.keys(renderers).sort()).toEqual(['console', 'dingtalk robot message', 'dingtalk template card', 'feishu', 'wecom app', 'wecom group robot']);
});
