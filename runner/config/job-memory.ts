// The memory a run needs for a number of profiles, from the benchmark (issue #12 "Scale"; README "Performance",
// `npm run bench -- --only scale,sync`): ExportChecks' ACX-JOB1 compares it with the job's memory.
//   - per profile: the engine's peak grew from 195 MB at 1,000,000 profiles to 913 MB at 10,000,000 (state 52 bytes a
//     member, the plan's rows to send 12, the plan's set of members seen, the snapshot written): 80 bytes a profile;
//   - base: what the rest of the runner adds (Node.js, the bundle, the segment reader, HTTP, 200 batches in flight):
//     the runner's own peak during a real 1,000,000-member first sync against the sandbox was 396 MiB
//     (`npm run bench -- --rows 1000000 --only sync --time-scale 20`), less 1,000,000 × 80 bytes = 320 MiB.
// So 10,000,000 profiles need about 1.06 GiB by this measure: the default pair (1 vCPU, 2 GiB) holds them, 0.5 vCPU /
// 1 GiB holds about 9,200,000.

export const MEASURED_BYTES_PER_PROFILE = 80;
export const MEASURED_BASE_BYTES = 320 * 2 ** 20;

/** Bytes a run of `profiles` members needs, as measured. */
export function jobMemoryBytes(profiles: number): number {
  return MEASURED_BASE_BYTES + MEASURED_BYTES_PER_PROFILE * profiles;
}

/** "2Gi", "0.5Gi" (Container Apps' memory strings) as bytes; undefined for any other form. */
export function memoryBytes(memory: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)Gi$/.exec(memory);
  return m ? Number(m[1]) * 2 ** 30 : undefined;
}
