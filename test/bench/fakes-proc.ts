// The three fake platform APIs (test/fakes/*) in their own process for the outside benchmark. Started with
// `fork`; it sends `{ urls }` once listening and answers requests from the bench over the IPC channel:
// hang/release Feishu sends, and `waitWecom` (resolves when a WeCom text reaches a user).
import { startFakeDingtalk } from '../fakes/dingtalk-api.js';
import { startFakeFeishu } from '../fakes/feishu-api.js';
import { startFakeWecom } from '../fakes/wecom-api.js';
import { TEST_DINGTALK } from '../bots/dingtalk/sign.js';
import { TEST_FEISHU } from '../bots/feishu/sign.js';
import { TEST_WECOM } from '../bots/wecom/sign.js';

export type FakesCommand = { cmd: 'hangFeishu' } | { cmd: 'releaseFeishu' } | { cmd: 'waitWecom'; touser: string; timeoutMs: number } | { cmd: 'counts' };
export type FakesRequest = { id: number } & FakesCommand;

const wecom = await startFakeWecom({ corpId: TEST_WECOM.corpId, secret: TEST_WECOM.secret, agentId: TEST_WECOM.agentId });
const feishu = await startFakeFeishu({ appId: TEST_FEISHU.appId, appSecret: TEST_FEISHU.appSecret });
const dingtalk = await startFakeDingtalk({ appKey: TEST_DINGTALK.clientId, appSecret: TEST_DINGTALK.clientSecret, robotCode: TEST_DINGTALK.robotCode });

async function waitWecom(touser: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (wecom.delivered.some((d) => d.touser === touser)) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return false;
}

process.on('message', (m: FakesRequest) => {
  void (async () => {
    let result: unknown = true;
    if (m.cmd === 'hangFeishu') feishu.hangSends();
    else if (m.cmd === 'releaseFeishu') feishu.release();
    else if (m.cmd === 'waitWecom') result = await waitWecom(m.touser, m.timeoutMs);
    else result = { wecom: wecom.delivered.length, feishu: feishu.creates().length };
    process.send!({ id: m.id, result });
  })();
});
process.on('disconnect', () => void Promise.all([wecom.close(), feishu.close(), dingtalk.close()]).finally(() => process.exit(0)));
process.send!({ urls: { wecom: wecom.baseUrl, feishu: feishu.baseUrl, dingtalk: dingtalk.baseUrl } });
