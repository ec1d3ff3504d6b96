// The Delta reader on Azure Blob (Azurite), through a loopback proxy that records each request, to show that data
// and deletion vector files are read by byte ranges, and that an unsupported table is refused before any data read.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLocation } from "../../../runner/config.js";
import { openDeltaSegment, UnsupportedTableError } from "../../../runner/segment/delta/index.js";
import type { SegmentRow } from "../../../runner/segment/index.js";
import { startAzurite, type Azurite } from "../../helpers/azurite.js";
import { DELTA_FIXTURES } from "./delta-tables.js";

interface Seen {
  method: string;
  path: string;
  range?: string;
}

let azurite: Azurite;
let proxy: Server;
let seen: Seen[] = [];
let lakeUrl: string;

/** Forwards every request to Azurite unchanged and records its method, path and byte range. */
function startProxy(target: URL): Promise<Server> {
  const server = createServer((req, res) => {
    const range = req.headers["x-ms-range"] ?? req.headers.range;
    seen.push({ method: req.method!, path: decodeURIComponent(req.url!.split("?")[0]!), range: typeof range === "string" ? range : undefined });
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function upload(container: ContainerClient, table: string): Promise<void> {
  const root = join(DELTA_FIXTURES, table);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
  for (const file of walk(root)) {
    await container.getBlockBlobClient(`tables/${table}/${relative(root, file)}`).uploadData(readFileSync(file));
  }
}

beforeAll(async () => {
  azurite = await startAzurite();
  await azurite.createContainer("lake");
  const service = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.account, azurite.key));
  const container = service.getContainerClient("lake");
  for (const t of ["table-with-dv-small", "table_with_column_mapping", "checkpoint-v2-table", "simple_table_features"]) await upload(container, t);
  proxy = await startProxy(new URL(azurite.blobEndpoint));
  lakeUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/${azurite.account}/lake`;
}, 60_000);
afterAll(async () => {
  await new Promise((r) => proxy?.close(r));
  await azurite?.stop();
});

async function readTable(name: string, columns?: string[]) {
  seen = [];
  const seg = await openDeltaSegment(parseLocation(`${lakeUrl}/tables/${name}/`), { columns });
  const rows: SegmentRow[] = [];
  try {
    for await (const batch of seg.batches()) rows.push(...batch);
  } finally {
    await seg.close();
  }
  return { seg, rows };
}

const reads = (suffix: string) => seen.filter((s) => s.method === "GET" && s.path.endsWith(suffix));

describe("Delta tables on Azure Blob", () => {
  it("reads the deletion vector table with ranged reads of the data file and of the vector", async () => {
    const { seg, rows } = await readTable("table-with-dv-small");
    expect(seg.resolved).toBe(`${lakeUrl}/tables/table-with-dv-small/ (Delta table version 1: 2 commit(s), 1 data file(s))`);
    expect(rows.map((r) => r.values.value)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const data = reads(".snappy.parquet");
    expect(data.length).toBeGreaterThan(0);
    expect(data.every((s) => s.range?.startsWith("bytes="))).toBe(true);
    // The vector: its format version byte, then its 36 bytes at offset 1 framed by size and checksum (bytes 1-44).
    expect(reads("deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin").map((s) => s.range)).toEqual(["bytes=0-0", "bytes=1-44"]);
    // The log was listed, not guessed.
    expect(seen.some((s) => s.method === "GET" && s.path.endsWith("/lake") && s.range === undefined)).toBe(true);
  });

  it("reads column mapping (zstd) and a V2 checkpoint with its sidecar from blobs", async () => {
    const mapped = await readTable("table_with_column_mapping", ["Super Name", "Company Very Short"]);
    expect(mapped.rows.map((r) => r.values["Company Very Short"] + "/" + r.values["Super Name"])).toEqual([
      "BMS/Mr. Daniel Ferguson MD",
      "BMS/Stephanie Mcgrath",
      "BMS/Anthony Johnson",
      "BMS/Nathan Bennett",
      "BME/Timothy Lamb",
    ]);
    const v2 = await readTable("checkpoint-v2-table", ["id"]);
    expect(v2.seg.resolved).toContain("checkpoint 8 (uuid) + 1 commit(s)");
    expect(v2.rows.map((r) => Number(r.values.id)).sort((a, b) => a - b)).toEqual(Array.from({ length: 44 }, (_, i) => i + 1));
    expect(reads(".parquet").filter((s) => s.path.includes("_sidecars/")).length).toBeGreaterThan(0);
  });

  it("refuses the unknown reader feature without reading any data file", async () => {
    seen = [];
    const e = await openDeltaSegment(parseLocation(`${lakeUrl}/tables/simple_table_features/`), {}).catch((x: unknown) => x as Error);
    expect(e).toBeInstanceOf(UnsupportedTableError);
    expect((e as Error).message).toContain('needs reader version 5 and the reader feature "blahabl"');
    expect(seen.filter((s) => s.path.endsWith(".parquet"))).toEqual([]);
  });
});
