/** The contract net itself can fail: official operations, extensions and errors each reject a wrong body. */
import { describe, expect, it } from 'vitest';
import { checkResponse } from '../helpers/contract.js';

describe('checkResponse', () => {
  it('checks official operations against the spec', () => {
    expect(checkResponse('GET', '/v1/organization/audit_logs', 200, { object: 'list', data: [], has_more: false }).errors).toEqual([]);
    expect(checkResponse('GET', '/v1/organization/audit_logs', 200, { object: 'list', data: [] }).errors).not.toEqual([]);
  });

  it('checks extensions against the schemas of the served OpenAPI document', () => {
    const ok = checkResponse('POST', '/v1/organization/audit_logs', 200, {
      object: 'list',
      data: [{ id: 'audit_log-x', type: 'login.failed', effective_at: 1, leaf_index: 0 }],
    });
    expect(ok.checked).toBe(true);
    expect(ok.errors).toEqual([]);
    const bad = checkResponse('POST', '/v1/organization/usage/completions', 200, { object: 'page' });
    expect(bad.checked).toBe(true);
    expect(bad.errors).not.toEqual([]);
    expect(checkResponse('GET', '/v1/organization/costs/unpriced', 200, { data: 'nope' }).errors).not.toEqual([]);
  });

  it('checks every error body against ErrorResponse', () => {
    expect(checkResponse('GET', '/v1/organization/costs', 400, { error: { message: 'm', type: 't', param: null, code: null } }).errors).toEqual([]);
    expect(checkResponse('GET', '/v1/organization/costs', 400, { message: 'm' }).errors).not.toEqual([]);
  });
});
