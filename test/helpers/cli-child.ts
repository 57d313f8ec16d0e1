/**
 * The real orgledger command line, run from source in a child process:
 *   node --import tsx test/helpers/cli-child.ts serve --port 0 --data DIR
 */
import { main } from '../../src/main.js';

await main(process.argv);
