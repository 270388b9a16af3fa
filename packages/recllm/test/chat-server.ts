import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A chat-completions request as the test server received it. */
export interface ReceivedRequest {
  readonly model: string;
  readonly messages: { role: string; content: string }[];
  readonly response_format?: { type: string; json_schema?: { name: string; schema: unknown } };
}

/**
 * A local HTTP server that speaks the OpenAI chat-completions protocol (non-streaming), answering
 * each request with the content `reply(request, index)` returns (a string), or an HTTP status when it
 * returns a number. Used to drive the LLM policy, ranker and simulator through the real client.
 */
export async function startChatServer(
  reply: (request: ReceivedRequest, index: number) => string | number,
): Promise<{ baseUrl: string; requests: ReceivedRequest[]; close: () => Promise<void> }> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      const body = JSON.parse(data) as ReceivedRequest;
      requests.push(body);
      const out = reply(body, requests.length - 1);
      if (typeof out === 'number') {
        res.writeHead(out, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `test status ${out}` } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          choices: [{ message: { role: 'assistant', content: out }, finish_reason: 'stop' }],
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The candidate ids listed in a prompt's data block, in order. */
export function candidateIds(request: ReceivedRequest): string[] {
  const user = request.messages.find((m) => m.role === 'user')?.content ?? '';
  const block = /kind="candidates">\n([\s\S]*?)\n<\/data-/.exec(user);
  if (!block) return [];
  return (JSON.parse(block[1]) as { id: string }[]).map((c) => c.id);
}
