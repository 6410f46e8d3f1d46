// WeCom template_card and markdown limits (doc 90236 发送应用消息 → 模板卡片消息; doc 91770 群机器人).
// Hard limits the API enforces are marked; "advised" ones are the doc's 建议不超过 values, which we keep to avoid
// truncation in the client.
export const WECOM_LIMITS = {
  /** Hard: button_list ≤ 6. */
  buttons: 6,
  /** Hard: button key ≤ 1024 bytes. */
  buttonKeyBytes: 1024,
  /** Advised: button text ≤ 10 characters. */
  buttonText: 10,
  /** Advised: main_title.title ≤ 36, desc ≤ 44, sub_title_text ≤ 112 characters. */
  title: 36,
  desc: 44,
  subTitle: 112,
  /** Hard: horizontal_content_list ≤ 6; advised keyname ≤ 5 and value ≤ 26 characters. */
  fields: 6,
  keyname: 5,
  value: 26,
  /** Hard: task_id ≤ 128 bytes of [A-Za-z0-9_-@]. */
  taskIdBytes: 128,
  /** Hard: app markdown/text ≤ 2048 bytes; group-robot markdown ≤ 4096 bytes. */
  appMarkdownBytes: 2048,
  robotMarkdownBytes: 4096,
  /** Hard: an image for the app (media/upload type=image, doc 90253) ≤ 10 MB; a group robot's image (base64 + md5) and the smart robot's ≤ 2 MB. */
  appImageBytes: 10 * 1024 * 1024,
  robotImageBytes: 2 * 1024 * 1024,
  /** update_template_card replace_name (advised). */
  replaceName: 20,
} as const;
