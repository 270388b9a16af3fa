import { LlmError } from './errors';

/**
 * Parses a Server-Sent Events byte stream into event `data` payloads (lines `data: ...`, events
 * separated by a blank line, multi-line data joined by `\n`, comments and other fields ignored), as
 * the WHATWG HTML spec defines. `maxEventBytes` bounds one event.
 */
export async function* sseData(
  body: AsyncIterable<Uint8Array>,
  maxEventBytes = 1 << 20,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let size = 0;
  const flushLine = function* (line: string): Generator<string> {
    if (line === '') {
      if (data.length > 0) yield data.join('\n');
      data = [];
      size = 0;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      size += value.length;
      if (size > maxEventBytes)
        throw new LlmError(`SSE event larger than ${maxEventBytes} bytes`, {
          kind: 'protocol',
          limit: maxEventBytes,
        });
      data.push(value);
    }
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    if (buffer.length > maxEventBytes * 2)
      throw new LlmError(`SSE line larger than ${maxEventBytes} bytes`, {
        kind: 'protocol',
        limit: maxEventBytes,
      });
    let nl = buffer.search(/\r\n|\r|\n/);
    while (nl >= 0) {
      if (buffer[nl] === '\r' && nl === buffer.length - 1) break; // a CRLF may be split across chunks
      const line = buffer.slice(0, nl);
      const sep = buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? 2 : 1;
      buffer = buffer.slice(nl + sep);
      yield* flushLine(line);
      nl = buffer.search(/\r\n|\r|\n/);
    }
  }
  buffer += decoder.decode();
  if (buffer.length > 0) yield* flushLine(buffer);
  yield* flushLine('');
}
