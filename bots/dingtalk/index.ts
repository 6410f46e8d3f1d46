export { createDingtalkAdapter } from './adapter.js';
export { readDingtalkConfig, type DingtalkConfig } from './config.js';
