// DingTalk robot message limits (docs "机器人发送群聊消息" / "批量发送人与机器人会话中机器人消息").
export const DINGTALK_LIMITS = {
  /** Hard: msgParam ≤ 15,000 bytes (group send); we keep one-to-one sends to the same size. */
  msgParamBytes: 15_000,
  /** Hard: ActionCard variants carry 1 (sampleActionCard) to 5 (sampleActionCard5) buttons. */
  actionCardButtons: 5,
  /** Hard: batchSend takes at most 20 userIds per call. */
  userIdsPerSend: 20,
  /** Advised: the title shows in the chat list preview. */
  title: 40,
  buttonText: 12,
  /** An image uploaded for sampleImageMsg (oapi media/upload type=image): 1 MB, the older doc's and stricter figure. */
  imageBytes: 1024 * 1024,
  /** Our card template (cards/dingtalk/TEMPLATE.md): three buttons, and the lengths its layout shows whole. */
  templateButtons: 3,
  templateTitle: 60,
  templateSubtitle: 80,
  templateFooter: 120,
  templateMarkdownBytes: 8000,
} as const;
