// Every environment variable ChatCRM reads, so a typo in a ChatCRM-prefixed name is reported, not ignored.
import { coreEnvSchema } from './env.js';

const PLATFORM_NAMES = [
  'WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY', 'WECOM_API_BASE',
  'WECOM_GROUP_WEBHOOKS',
  'FEISHU_APP_ID', 'FEISHU_APP_SECRET', 'FEISHU_VERIFICATION_TOKEN', 'FEISHU_ENCRYPT_KEY', 'FEISHU_DOMAIN',
  'FEISHU_MODE',
  'DINGTALK_CLIENT_ID', 'DINGTALK_CLIENT_SECRET', 'DINGTALK_ROBOT_CODE', 'DINGTALK_API_BASE', 'DINGTALK_OAPI_BASE', 'DINGTALK_MODE',
  'DINGTALK_CARD_TEMPLATE_ID',
  'CHATCRM_INSTANCE_ID',
];

export function knownEnvNames(): Set<string> {
  return new Set([...Object.keys(coreEnvSchema.shape), ...PLATFORM_NAMES]);
}
