import { describe, expect, it } from 'vitest';
import {
  cityPrefixOf,
  compareKeys,
  looksLikePhone,
  lookupKeys,
  maskPhone,
  matchScore,
  nameGrams,
  normaliseCompanyName,
  normalisePhone,
  regionsOf,
  searchGrams,
} from '../../src/domain/names.js';

describe('company names normalise to one dedup key', () => {
  it.each([
    ['上海华东五金有限公司', '华东五金'],
    ['华东五金', '华东五金'],
    ['华东五金（中国）有限公司', '华东五金'],
    ['华东 五金 股份有限公司', '华东五金'],
    ['ＨＵＡＤＯＮＧ Valve Co., Ltd.', 'huadongvalve'],
    ['宁波永固阀门集团有限公司', '永固阀门'],
    ['广东省佛山市顺德精密模具厂', '顺德精密模具'],
    ['东莞五金厂', '东莞五金'],
    ['上海', '上海'],
  ])('%s → %s', (input, key) => {
    expect(normaliseCompanyName(input)).toBe(key);
  });

  it('keeps the region prefix as a default region', () => {
    expect(cityPrefixOf('上海华东五金有限公司')).toBe('上海');
    expect(cityPrefixOf('华东五金')).toBeUndefined();
  });

  it('scores fuzzy matches', () => {
    expect(matchScore('华东五金有限公司', '华东五金')).toBe(1);
    expect(matchScore('华东', '华东五金')).toBe(0.8);
    expect(matchScore('华南', '华东五金')).toBe(0);
  });
});

describe('phone numbers', () => {
  it.each([
    ['13800138000', '13800138000'],
    ['+86 138 0013 8000', '13800138000'],
    ['0086-138-0013-8000', '13800138000'],
    ['１３８００１３８０００', '13800138000'],
    ['021-6234 5678', '02162345678'],
    ['(0574) 8765-4321', '057487654321'],
  ])('%s → %s', (input, out) => {
    expect(normalisePhone(input)).toBe(out);
  });

  it.each(['12345', 'abc13800138000', '上海', '138001380001234567'])('rejects %s', (input) => {
    expect(normalisePhone(input)).toBeUndefined();
  });

  it('tells phones from words', () => {
    expect(looksLikePhone('13800138000')).toBe(true);
    expect(looksLikePhone('A')).toBe(false);
    expect(looksLikePhone('5万')).toBe(false);
  });
});

describe('similar names and masked phones', () => {
  it.each([
    ['华东五金', '华东五金制品', 'contains'],
    ['华东五金制品', '华东五金制造', 'similar'],
    ['华东五金', '华南五金', undefined],
    ['甲精密铸造', '乙精密铸造', undefined],
    ['永固精密铸造', '恒远精密铸造', undefined],
  ])('%s vs %s → %s', (a, b, kind) => {
    expect(compareKeys(a, b)?.kind).toBe(kind);
  });

  it('folds width, punctuation, brackets and places the way the issue writes them', () => {
    for (const n of ['浙江华东五金有限公司', '华东五金(浙江)有限公司', '华东五金（宁波）有限公司', '宁波市华东五金', '华东·五金', 'ＨＵＡ东五金']) {
      expect(normaliseCompanyName(n).replace('hua', '华')).toBe('华东五金');
    }
    expect(normaliseCompanyName('浙江华东五金制品有限公司')).toBe('华东五金制品');
    expect(regionsOf('上海华东五金（宁波）有限公司').sort()).toEqual(['上海', '宁波']);
    expect(lookupKeys('宁波精工')).toEqual(['宁波精工', '精工']);
  });

  it('searches by the name part, not the trade words', () => {
    expect(searchGrams('新光明精密铸造')).toEqual(['新光', '光明']);
    expect(searchGrams('精密铸造')).toEqual(['密铸']);
    expect(searchGrams('五金')).toEqual(['五金']);
    expect(nameGrams('华东五金')).toEqual(['华东', '东五', '五金']);
  });

  it('masks phones without markdown asterisks', () => {
    expect(maskPhone('+86 138 0013 8000')).toBe('138＊＊＊＊8000');
    expect(maskPhone('１３８００１３８０００')).toBe('138＊＊＊＊8000');
  });
});
