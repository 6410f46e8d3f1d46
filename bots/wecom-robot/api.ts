// Outbound calls over the robot's long connection: aibot_send_msg (proactive message to a user's single chat — chatid
// is the userid — or to a group chatid). Each waits for WeCom's receipt, at most the deadline; a failure is an
// AdapterError from errors.ts. There is no HTTP API and no access token: the connection is the credential.
import type { WSClient } from '@wecom/aibot-node-sdk';
import { AdapterError } from '../../src/adapter.js';
import { robotError } from './errors.js';

export const ROBOT_TIMEOUT_MS = 10_000;

export function createRobotApi(client: () => WSClient | undefined, timeoutMs = ROBOT_TIMEOUT_MS) {
  const timed = async <T>(work: (c: WSClient) => Promise<T>): Promise<T> => {
    const c = client();
    if (!c) throw new AdapterError('wecom', 'NETWORK', 'robot: 长连接未连接（正在重连）', true, 5_000);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no receipt within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([work(c), deadline]);
    } catch (err) {
      throw robotError(err);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    /** A file or image: the SDK's three-step upload over the connection (a temporary media_id), then a media message. */
    async sendFile(chatid: string, fileName: string, bytes: Buffer, type: 'file' | 'image' = 'file'): Promise<{ msgid?: string }> {
      const { media_id } = await timed((c) => c.uploadMedia(bytes, { type, filename: fileName }));
      const receipt = await timed((c) => c.sendMediaMessage(chatid, type, media_id));
      const msgid = (receipt as { body?: { msgid?: unknown } }).body?.msgid;
      return typeof msgid === 'string' ? { msgid } : {};
    },
    async sendMessage(chatid: string, body: Record<string, unknown>): Promise<{ msgid?: string }> {
      const c = client();
      if (!c) throw new AdapterError('wecom', 'NETWORK', 'robot: 长连接未连接（正在重连）', true, 5_000);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no receipt within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const receipt = await Promise.race([c.sendMessage(chatid, body as never), deadline]);
        const msgid = (receipt as { body?: { msgid?: unknown } }).body?.msgid;
        return typeof msgid === 'string' ? { msgid } : {};
      } catch (err) {
        throw robotError(err);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
