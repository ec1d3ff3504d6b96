// Segment readers on Azure Blob, against Azurite: a single blob, the newest blob under a prefix, ranged Parquet reads.
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLocation } from "../../../runner/config.js";
import { openSegment, pickNewest, SegmentError } from "../../../runner/segment/index.js";
import { startAzurite, type Azurite } from "../../helpers/azurite.js";
import { plain, readAll, readError } from "./helpers.js";

let azurite: Azurite;
let url: string;
let container: ContainerClient;

beforeAll(async () => {
  azurite = await startAzurite();
  url = await azurite.createContainer("segments");
  const service = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.account, azurite.key));
  container = service.getContainerClient("segments");
});
afterAll(() => azurite?.stop());

const put = (name: string, data: string | Buffer) => {
  const body = typeof data === "string" ? Buffer.from(data) : data;
  return container.getBlockBlobClient(name).uploadData(body);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("segments on Azure Blob", () => {
  it("reads a single CSV blob", async () => {
    await put("vip.csv", 'email;name\r\nann@example.com;"Smith; Ann"\r\n');
    const r = await readAll(parseLocation(`${url}/vip.csv`), { format: "csv" });
    expect(r.resolved).toBe(`${url}/vip.csv`);
    expect(plain(r.rows)).toEqual([{ rowNumber: 2, values: { email: "ann@example.com", name: "Smith; Ann" } }]);
  });

  it("streams a multi-megabyte blob in order", async () => {
    const lines = Array.from({ length: 120_000 }, (_, i) => `user${i}@example.com,Name ${i}`);
    await put("big/segment.csv", `email,name\n${lines.join("\n")}\n`);
    const r = await readAll(parseLocation(`${url}/big/segment.csv`), { format: "csv", batchSize: 10_000 });
    expect(r.rows.length).toBe(120_000);
    expect(r.rows.every((row, i) => row.rowNumber === i + 2 && row.values.email === `user${i}@example.com`)).toBe(true);
  });

  it("picks the newest blob of the format under a prefix, by last-modified, ignoring markers and manifests", async () => {
    await put("exports/vip/2024-05-02/part-0.csv", "email\nolder@example.com\n");
    await sleep(1_100); // last-modified has one-second resolution
    await put("exports/vip/2024-05-01/part-0.csv", "email\nnewer@example.com\n");
    await put("exports/vip/_SUCCESS", "");
    await put("exports/vip/model.json", "{}");
    const r = await readAll(parseLocation(`${url}/exports/vip/`), { format: "csv" });
    expect(r.resolved).toBe(`${url}/exports/vip/2024-05-01/part-0.csv`);
    expect(r.rows.map((row) => row.values.email)).toEqual(["newer@example.com"]);
  });

  it("breaks a last-modified tie by the name that sorts last", () => {
    const t = new Date("2024-05-01T00:00:00Z");
    expect(pickNewest([{ name: "a/2.csv", lastModified: t }, { name: "a/10.csv", lastModified: t }, { name: "a/1.csv", lastModified: t }])?.name).toBe(
      "a/2.csv",
    );
    expect(pickNewest([])).toBeUndefined();
  });

  it("says what it found when no blob of the format is under the prefix", async () => {
    await put("only-json/model.json", "{}");
    await put("only-json/_SUCCESS", "");
    const e = await readError(parseLocation(`${url}/only-json/`), { format: "csv" });
    expect(e).toBeInstanceOf(SegmentError);
    expect(e.message).toBe(`no .csv/.tsv/.txt blob under ${url}/only-json/; found 2 other blob(s), e.g. "only-json/_SUCCESS", "only-json/model.json"`);
    const empty = await readError(parseLocation(`${url}/nothing-here/`), { format: "parquet" });
    expect(empty.message).toBe(`no .parquet blob under ${url}/nothing-here/; the prefix is empty`);
  });

  it("reports a missing blob and a missing container as bad input", async () => {
    const e = await readError(parseLocation(`${url}/missing.csv`), { format: "csv" });
    expect(e).toBeInstanceOf(SegmentError);
    expect(e.message).toBe(`segment blob not found: ${url}/missing.csv`);
    const c = await readError(parseLocation(`${azurite.containerUrl("no-such-container")}/x/`), { format: "csv" });
    expect(c.message).toBe(`segment container not found: ${azurite.containerUrl("no-such-container")}/`);
  });

  it("a wrong storage key fails with a clear message that never shows the key", async () => {
    await put("secret.csv", "email\na@x.io\n");
    const wrongKey = Buffer.from("definitely-not-the-azurite-key-0123456789").toString("base64");
    const before = process.env.AZURE_STORAGE_KEY;
    process.env.AZURE_STORAGE_KEY = wrongKey;
    try {
      const e = await readError(parseLocation(`${url}/secret.csv`), { format: "csv" });
      expect(e).not.toBeInstanceOf(SegmentError);
      expect(e.message).toMatch(new RegExp(`^cannot read the segment blob ${url}/secret.csv: HTTP 403 `));
      expect(e.message).toContain("(does the identity have a Storage Blob Data role on this container?)");
      expect(`${e.message}\n${e.stack}\n${JSON.stringify(e)}`).not.toContain(wrongKey);
      expect(Object.keys(e)).not.toContain("request");
    } finally {
      if (before === undefined) delete process.env.AZURE_STORAGE_KEY;
      else process.env.AZURE_STORAGE_KEY = before;
    }
  });

  it("reads JSON Lines from a blob", async () => {
    await put("people.jsonl", '{"email":"a@x.io","n":1}\nnot json\n');
    const r = await readAll(parseLocation(`${url}/people.jsonl`), { format: "jsonl" });
    expect(r.rows.map((row) => [row.rowNumber, row.values.email, row.problem !== undefined])).toEqual([
      [1, "a@x.io", false],
      [2, undefined, true],
    ]);
  });

  it("reads Parquet from a blob with ranged downloads, and fails if the blob is replaced meanwhile", async () => {
    const count = 20_000;
    const build = (tag: string) =>
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: "email", data: Array.from({ length: count }, (_, i) => `${tag}${i}@x.io`), type: "STRING" },
            { name: "n", data: Array.from({ length: count }, (_, i) => i), type: "INT32" },
          ],
          rowGroupSize: 6_000,
        }),
      );
    await put("p/segment.parquet", build("u"));
    const r = await readAll(parseLocation(`${url}/p/`), { format: "parquet", columns: ["email"] });
    expect(r.resolved).toBe(`${url}/p/segment.parquet`);
    expect(r.columns).toEqual(["email", "n"]);
    expect(r.rows.length).toBe(count);
    expect(r.rows.every((row, i) => row.rowNumber === i + 1 && row.values.email === `u${i}@x.io` && !("n" in row.values))).toBe(true);

    const seg = await openSegment(parseLocation(`${url}/p/segment.parquet`), { format: "parquet" });
    await put("p/segment.parquet", build("v"));
    const failure = await (async () => {
      try {
        for await (const _ of seg.batches()) {
          /* read */
        }
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    await seg.close();
    expect(failure?.message).toBe(`the segment blob ${url}/p/segment.parquet was replaced while it was being read; run again`);
    expect(failure).not.toBeInstanceOf(SegmentError);
  });
});
