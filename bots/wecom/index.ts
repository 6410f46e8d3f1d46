export { createWecomAdapter } from './adapter.js';
export { readWecomConfig, type WecomConfig } from './config.js';
export type { TokenStore } from '../token-cache.js';
