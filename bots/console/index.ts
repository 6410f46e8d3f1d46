export { createConsoleAdapter } from './adapter.js';
export { readConsoleSecret } from '../../src/server/local-secret.js';
