export { createWecomRobotAdapter } from './adapter.js';
export { readWecomRobotConfig, type WecomRobotConfig } from './config.js';
