/**
 * The authenticated caller of a request, as routes read it: a route declares the scope it needs in
 * its config, and the auth hook (src/server/auth.ts) sets the principal its key decides.
 */
import type { FastifyRequest } from 'fastify';
import { errors } from '../lib/errors.js';
import type { Principal, Scope } from '../lib/principal.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a key needs; routes without one are public (health, OpenAPI, console). */
    scope?: Scope;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The principal of an authenticated route (the hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw errors.unauthenticated();
  return request.principal;
}
