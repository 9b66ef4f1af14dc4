/** Types of importDirection.js (an ESLint plugin in plain JS, loaded by eslint.config.js). */
import type { ESLint } from 'eslint';

/** What each folder of src/ may import besides itself. */
export const ALLOWED_IMPORTS: Readonly<Record<string, readonly string[]>>;

declare const plugin: ESLint.Plugin;
export default plugin;
