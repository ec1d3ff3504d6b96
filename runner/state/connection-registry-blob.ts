// The connection registry (connection-registry.ts) in Azure Blob Storage, in the exports' state container:
//   <container>/<path>/.connections/<hostname>/<export>.<token>   an empty block blob; metadata "record" holds the
//                                                                  record (base64), so one listing reads them all
// Each run writes only its own blob. Ages come from the service's clock (the blob's Last-Modified against the Date
// of this run's last write), so a skewed job clock neither expires a live record nor keeps a dead one.
import type { ContainerClient } from "@azure/storage-blob";
import { blobError, blobStatus, blobUrl, type BlobLocation } from "../azure/blob.js";
import { checkRegistryId, type ConnectionRegistry, type RegistryEntry } from "./connection-registry.js";

export class BlobConnectionRegistry implements ConnectionRegistry {
  readonly location: string;
  /** The service's Date of our last write and this clock then: the service's "now" is estimated from them. */
  private serviceAt: { service: number; local: number } | undefined;

  constructor(
    private readonly container: () => Promise<ContainerClient>,
    private readonly where: BlobLocation,
    private readonly prefix: string,
  ) {
    this.location = blobUrl(where, prefix);
  }

  private serviceNow(): number {
    const at = this.serviceAt;
    return at ? at.service + (Date.now() - at.local) : Date.now();
  }

  async put(id: string, record: Buffer): Promise<void> {
    checkRegistryId(id);
    const container = await this.container();
    try {
      const response = await container.getBlockBlobClient(`${this.prefix}${id}`).upload("", 0, { metadata: { record: record.toString("base64") } });
      if (response.date) this.serviceAt = { service: response.date.getTime(), local: Date.now() };
    } catch (e) {
      throw blobError(`cannot write the connection budget record ${blobUrl(this.where, `${this.prefix}${id}`)}`, e);
    }
  }

  async list(): Promise<RegistryEntry[]> {
    const container = await this.container();
    const out: RegistryEntry[] = [];
    try {
      for await (const item of container.listBlobsFlat({ prefix: this.prefix, includeMetadata: true })) {
        const raw = item.metadata?.record;
        if (!raw) continue;
        const age = this.serviceNow() - item.properties.lastModified.getTime();
        out.push({ id: item.name.slice(this.prefix.length), record: Buffer.from(raw, "base64"), ageMs: Math.max(0, age) });
      }
    } catch (e) {
      throw blobError(`cannot list the connection budget records under ${this.location}`, e);
    }
    return out;
  }

  async remove(id: string): Promise<void> {
    const container = await this.container();
    try {
      await container.deleteBlob(`${this.prefix}${id}`);
    } catch (e) {
      if (blobStatus(e) !== 404) throw blobError(`cannot remove the connection budget record ${blobUrl(this.where, `${this.prefix}${id}`)}`, e);
    }
  }
}
