// Feishu card limits (docs "发送消息" / "卡片 JSON 2.0 结构"): what the API enforces, and what we keep to.
export const FEISHU_LIMITS = {
  /** Hard: an interactive message (the card JSON) ≤ 30 KB; the callback's delayed update too. */
  cardBytes: 30 * 1024,
  /** Hard: text messages ≤ 150 KB; we stay far below it. */
  textBytes: 150 * 1024,
  /** Our own: buttons per row before the card gets cramped on phones, and per card. */
  buttonsPerRow: 4,
  buttons: 12,
  /** Advised: header title renders on one or two lines. */
  title: 60,
  buttonText: 12,
  /** Ours: a stage name under a chart bar. */
  chartLabel: 12,
  /** Hard: an image (im/v1/images) ≤ 10 MB. */
  imageBytes: 10 * 1024 * 1024,
} as const;

/** Header template colours of Feishu cards. */
export const FEISHU_COLOURS = ['blue', 'wathet', 'turquoise', 'green', 'yellow', 'orange', 'red', 'carmine', 'violet', 'purple', 'indigo', 'grey', 'default'] as const;
