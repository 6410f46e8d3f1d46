// The platform-neutral card: what every renderer (cards/<platform>/render.ts) turns into platform JSON.
// Pure data; imports nothing from src/ or bots/. Every string here is plain text that renderers escape for their
// platform; only `body` may carry our markup, and only through `md` templates (cards/markup.ts).
import type { Text } from './markup.js';

/** Colour/state of a card header; renderers map it to the platform's template colours. */
export type CardState = 'info' | 'pending' | 'success' | 'danger' | 'warning' | 'neutral';

export interface CardField {
  label: string;
  value: string;
}

export type ButtonStyle = 'primary' | 'danger' | 'default';

export interface CardButton {
  /** Action name, e.g. `approve`; also a key into cards/action-data.ts. */
  action: string;
  label: string;
  style?: ButtonStyle;
  /** Opaque, versioned action data (cards/action-data.ts encode()); small: platforms limit button values. */
  data: string;
  /** Command text a user can type instead of clicking (used by text-only fallbacks such as DingTalk ActionCard). */
  command?: string;
}

export interface Card {
  /** Stable kind, useful for renderers and tests: approval | nudge | digest | deal | choice | notice. */
  kind: string;
  title: string;
  state: CardState;
  /** Optional one-line subtitle under the title. */
  subtitle?: string;
  fields: CardField[];
  /** Body: a bare string is user text (escaped whole); an `md` template adds our **bold** and `- ` lists. */
  body?: Text;
  buttons: CardButton[];
  /** Shown instead of buttons once a card is resolved, e.g. "王五 已批准 · 11-25 10:32". */
  footer?: string;
  /** Data for a chart (the digest): drawn natively where the platform can (Feishu), else sent as an image. */
  chart?: CardChart;
  /** A link under the body (the digest's dashboard link). */
  link?: CardLink;
}

/**
 * A card's chart, as data only (the daily digest): bars of the open pipeline by stage and a trend over days.
 * Renderers draw it their own way — Feishu as a native chart component, the others as a PNG sent beside the text
 * (src/documents/digest-chart.ts). Labels are user data (a tenant's stage names): plain text, escaped by whoever draws them.
 */
export interface CardChart {
  /** One bar per stage, in pipeline order. */
  bars: Array<{ label: string; count: number; amountFen: number }>;
  /** One point per day, oldest first; `day` is a short label such as `11-24`. */
  trend: Array<{ day: string; newDeals: number; followUps: number; won: number }>;
}

/** A link of ours (never user data): the text and an http(s) address from configuration. */
export interface CardLink {
  label: string;
  url: string;
}

/** A renderer is a pure function from a Card to one platform's JSON (or text, for the console). */
export type Renderer<T> = (card: Card) => T;
