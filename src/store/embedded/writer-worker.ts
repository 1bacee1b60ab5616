import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { loadDefinitions } from '../../fhir/conformance/definitions';
import { nullSearchIndex } from './null-search-index';
import { createEmbeddedSearchIndex } from './search/embedded-search-index';
import type { EmbeddedSearchIndex } from './search-index';
import { WriterConnection } from './writer-connection';
import { encodeError, encodeResult, type Call, type Reply } from './writer-protocol';
import type { WriterThreadData, IndexRecipe } from './thread-writer';

/** The writer thread: owns the writer connection and runs the calls the store sends, in order. */
function indexFrom(recipe: IndexRecipe): EmbeddedSearchIndex {
  if (recipe.kind === 'none') return nullSearchIndex;
  return createEmbeddedSearchIndex(loadDefinitions({ extra: recipe.extra }), { baseUrl: recipe.baseUrl });
}

function serve(port: NonNullable<typeof parentPort>, data: WriterThreadData): void {
  let connection: WriterConnection;
  try {
    connection = new WriterConnection(data.settings, indexFrom(data.index));
  } catch (err) {
    port.postMessage({ ready: false, error: encodeError(err) });
    return;
  }
  port.postMessage({ ready: true, applied: connection.applied });
  port.on('message', (calls: Call[]) => {
    const replies: Reply[] = [];
    let closed = false;
    for (const [seq, op, args] of calls) {
      try {
        const method = connection[op] as (...a: unknown[]) => unknown;
        const value = method.apply(connection, args);
        if (value instanceof Promise) {
          // A COMMIT waiting for its flush: answered on its own when durable, while later calls go on.
          value.then(
            (v: unknown) => port.postMessage([[seq, true, encodeResult(op, v)]]),
            (err: unknown) => port.postMessage([[seq, false, encodeError(err)]]),
          );
          continue;
        }
        replies.push([seq, true, encodeResult(op, value)]);
        if (op === 'close') closed = true;
      } catch (err) {
        replies.push([seq, false, encodeError(err)]);
      }
    }
    port.postMessage(replies);
    if (closed) port.close();
  });
}

/** Names the OS thread (Linux; `top -H` and the benchmark's CPU split show it), silently elsewhere. */
function nameThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name);
  } catch {
    // not Linux
  }
}

if (parentPort) {
  nameThread('lucarne-writer');
  serve(parentPort, workerData as WriterThreadData);
}
