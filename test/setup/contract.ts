/**
 * Every test file's safety net (vitest setupFiles): a response that broke the contract during a test
 * fails that test, whichever file it is in. contractFetch (helpers/contract.ts) checks each response
 * the SDK and the raw-HTTP helper receive: official operations against the spec, extensions against
 * the schemas the served /openapi.json publishes, errors against ErrorResponse.
 */
import { afterEach, expect } from 'vitest';
import { contractViolations } from '../helpers/contract.js';

afterEach(() => {
  const found = contractViolations.splice(0);
  expect(found, 'responses that broke the contract during this test').toEqual([]);
});
