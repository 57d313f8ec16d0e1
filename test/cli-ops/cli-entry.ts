/** The orgledger CLI from source, for tests that spawn the real command: node --import tsx cli-entry.ts ... */
import { main } from '../../src/main.js';

await main(process.argv);
