export { createFeishuAdapter } from './adapter.js';
export { readFeishuConfig, type FeishuConfig } from './config.js';
