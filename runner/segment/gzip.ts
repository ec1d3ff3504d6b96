// Gzip-compressed parts (".gz": Snowflake unloads, Spark with compression=gzip): decompressed as they stream. zlib
// works on libuv's thread pool, so decompression runs ahead of the parser on another core.
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { ByteSource } from "./source.js";
import { SegmentError } from "./types.js";

const CHUNK = 256 * 1024;
/** Decompressed bytes buffered ahead of the parser. */
const AHEAD = 4 * 1024 * 1024;

export function gunzipSource(source: ByteSource): ByteSource {
  return {
    resolved: source.resolved,
    size: source.size,
    stream: (signal) => gunzip(source.stream(signal), source.resolved),
    async randomAccess(signal) {
      // Parquet needs random access: a gzip Parquet file (rare) is decompressed into memory.
      const chunks: Buffer[] = [];
      for await (const chunk of gunzip(source.stream(signal), source.resolved)) chunks.push(chunk);
      const all = Buffer.concat(chunks);
      return {
        byteLength: all.length,
        slice: async (start, end = all.length) => all.buffer.slice(all.byteOffset + start, all.byteOffset + Math.min(end, all.length)) as ArrayBuffer,
      };
    },
    close: () => source.close(),
  };
}

async function* gunzip(input: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
  const src = input instanceof Readable ? input : Readable.from(input, { objectMode: false });
  const unzip = createGunzip({ chunkSize: CHUNK, highWaterMark: AHEAD } as Parameters<typeof createGunzip>[0]);
  src.on("error", (e) => unzip.destroy(e));
  src.pipe(unzip);
  try {
    for await (const chunk of unzip as AsyncIterable<Buffer>) yield chunk;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "Z_DATA_ERROR" || code === "Z_BUF_ERROR") {
      throw new SegmentError(`${name} is not valid gzip (${code === "Z_BUF_ERROR" ? "it ends early: truncated?" : "corrupt data"}); its name ends in .gz`);
    }
    throw e;
  } finally {
    src.destroy();
    unzip.destroy();
  }
}
