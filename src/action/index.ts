/** The Action's entry (bundled to dist/index.js): everything happens in main.ts. */
import { run } from './main.js';

await run();
