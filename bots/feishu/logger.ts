// The SDK logs failed requests at error level with the whole axios config (headers with the bearer token, the
// app secret in token-request bodies). This logger keeps only short text and masks anything secret-looking.
import * as lark from '@larksuiteoapi/node-sdk';

const SECRET = /(t-[A-Za-z0-9._-]{10,}|Bearer\s+\S+|"?app_secret"?\s*[:=]\s*"?[^",\s}]+)/g;

function summarise(args: unknown[]): string {
  return args
    .map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : typeof a === 'object' && a && 'message' in a ? String((a as { message: unknown }).message) : ''))
    .filter(Boolean)
    .join(' ')
    .replace(SECRET, '[redacted]')
    .slice(0, 300);
}

export interface SinkLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function sdkLogger(sink?: SinkLogger) {
  return {
    loggerLevel: lark.LoggerLevel.warn,
    logger: {
      error: (...a: unknown[]) => sink?.error({ platform: 'feishu' }, summarise(a)),
      warn: (...a: unknown[]) => sink?.warn({ platform: 'feishu' }, summarise(a)),
      info: () => {},
      debug: () => {},
      trace: () => {},
    },
  };
}
