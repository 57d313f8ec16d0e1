/**
 * Shutdown that waits for the requests in flight and for nothing else.
 *
 * Node's `server.close()` (which Fastify calls) only reaps connections it counts as idle, and it counts
 * a connection that has not sent a request yet (a browser's preconnect, an HTTP client pool's spare
 * socket) as one in progress; a keep-alive connection whose response finishes after close began is
 * left open for its keep-alive timeout. Either held `close()` (and so `serve`'s exit on SIGTERM) for a
 * minute or more. Here, when close begins, connections with no response in flight are destroyed, and
 * a connection whose last response finishes later is ended after it. Requests arriving meanwhile get a
 * 503 in the OpenAI envelope (Fastify's own 503 body is not one) with Connection: close.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { errors } from '../lib/errors.js';
import { send } from './error-handler.js';

export function registerGracefulShutdown(app: FastifyInstance): void {
  const open = new Set<Socket>();
  const inFlight = new Map<Socket, number>();
  let closing = false;

  app.server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      inFlight.delete(socket);
    });
  });
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      if (left > 0) inFlight.set(socket, left);
      else inFlight.delete(socket);
      // The response is written (or the client went away): the connection is not kept for another.
      if (closing && left <= 0 && !socket.destroyed) socket.end();
    });
  });

  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    return send(reply, errors.unavailable('The server is shutting down; retry the request.'));
  });

  app.addHook('preClose', async () => {
    closing = true;
    for (const socket of open) if (!inFlight.has(socket)) socket.destroy();
  });
}
