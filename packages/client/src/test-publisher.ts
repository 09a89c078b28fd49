// A stand-in for the publisher's HTTP side in unit tests: a real node:http server on port 0
// that records every request and answers as the test says, following docs/publisher-api.md.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or undefined when there was no body. */
  body: unknown;
}

export type Answer =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Never answer: the client has to time out. */
  | 'hang'
  /** Close the connection without an answer: the client sees a network error. */
  | 'drop';

export interface TestPublisher {
  url: string;
  requests: ReceivedRequest[];
}

/** Starts the server, closed (with any hanging connection) when the test ends. */
export async function startPublisher(t: TestContext, answer: (request: ReceivedRequest, index: number) => Answer): Promise<TestPublisher> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
      requests.push(request);
      const reply = answer(request, requests.length - 1);
      if (reply === 'hang') return;
      if (reply === 'drop') {
        req.socket.destroy();
        return;
      }
      const payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(payload);
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((closed) => server.close(closed));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** A URL where nothing listens: a port the system just handed out and took back. */
export async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  await new Promise((closed) => server.close(closed));
  return `http://127.0.0.1:${port}`;
}

/** The publisher's 201: each event of the request written to partition 0, offsets from 0. */
export function accepted(request: ReceivedRequest): Answer {
  const events = [request.body].flat() as { id: string }[];
  return { status: 201, body: { events: events.map((event, offset) => ({ id: event.id, partition: 0, offset: String(offset), duplicate: false })) } };
}

/** An application/problem+json answer as Herald's services write them. */
export function problem(status: number, code: string, title: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}): Answer {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: { type: `https://herald.dev/problems/${code.replaceAll('_', '-')}`, title, status, code, ...extensions },
  };
}
