// The WeCom envelope is read by a strict extractor before the signature (#17.6): only ToUserName, Encrypt and
// AgentID, each once; sibling-element floods, repeats, attributes, comments and prototype keys are refused.
import { describe, expect, it } from 'vitest';
import { WecomMalformedError, decodeMessage, extractEnvelope } from '../../../bots/wecom/decode.js';

const ok = '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQ+/=]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>';

describe('WeCom envelope extractor', () => {
  it('reads a normal envelope (CDATA or text, with or without AgentID)', () => {
    expect(extractEnvelope(ok)).toEqual({ ToUserName: 'wx5823bf96d3bd56c7', Encrypt: 'RypEvHKD8QQ+/=', AgentID: '1000002' });
    expect(extractEnvelope('<xml>\n <ToUserName>wx1</ToUserName>\n <Encrypt>abc</Encrypt>\n</xml>')).toEqual({ ToUserName: 'wx1', Encrypt: 'abc' });
  });

  it('refuses sibling floods, repeats, unknown elements, attributes, comments, entities and missing fields', () => {
    const flood = `<xml>${'<a>1</a>'.repeat(8000)}<ToUserName>wx1</ToUserName><Encrypt>abc</Encrypt></xml>`;
    for (const bad of [
      flood,
      '<xml><ToUserName>wx1</ToUserName><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>',
      '<xml><ToUserName>wx1</ToUserName><Encrypt>a</Encrypt><__proto__>x</__proto__></xml>',
      '<xml><ToUserName a="1">wx1</ToUserName><Encrypt>a</Encrypt></xml>',
      '<xml><!-- c --><ToUserName>wx1</ToUserName><Encrypt>a</Encrypt></xml>',
      '<!DOCTYPE x [<!ENTITY e "x">]><xml><ToUserName>&e;</ToUserName><Encrypt>a</Encrypt></xml>',
      '<xml><Encrypt>a</Encrypt></xml>',
      '<xml><ToUserName>wx1</ToUserName><Encrypt><b>a</b></Encrypt></xml>',
      '',
    ]) expect(extractEnvelope(bad), bad.slice(0, 60)).toBeNull();
  });

  it('the decrypted message (parsed only after the signature) is plain data; a __proto__ element is refused as malformed', () => {
    const xml = '<xml><__proto__><FromUserName>evil</FromUserName></__proto__><ToUserName>wx1</ToUserName><FromUserName>u1</FromUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>/帮助</Content><MsgId>1</MsgId></xml>';
    expect(() => decodeMessage(xml, 'wx1', new Date(0))).toThrow(WecomMalformedError);
    const e = decodeMessage(xml.replace('<__proto__><FromUserName>evil</FromUserName></__proto__>', ''), 'wx1', new Date(0));
    expect(e).toMatchObject({ type: 'message', actor: { platformUserId: 'u1' }, text: '/帮助' });
    expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
  });
});
