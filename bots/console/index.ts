export { createConsoleAdapter } from './adapter.js';
export { readConsoleSecret } from './secret.js';
