// Multi-part segment layouts from blobs in Azurite (the same scenarios as parts-disk.test.ts, in layouts.ts).
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll } from "vitest";
import { parseLocation } from "../../../runner/config.js";
import { startAzurite, type Azurite } from "../../helpers/azurite.js";
import { layoutSuite } from "./layouts.js";

let azurite: Azurite;
let url: string;
let container: ContainerClient;

beforeAll(async () => {
  azurite = await startAzurite();
  url = await azurite.createContainer("exports");
  const service = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.account, azurite.key));
  container = service.getContainerClient("exports");
});
afterAll(() => azurite?.stop());

layoutSuite("in Azure Blob", () => ({
  location: (path) => parseLocation(`${url}/${path}`),
  shown: (path) => `${url}/${path}`,
  async put(name, data) {
    await container.getBlockBlobClient(name).uploadData(typeof data === "string" ? Buffer.from(data) : data);
  },
}));
