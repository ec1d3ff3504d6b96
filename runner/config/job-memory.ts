// The memory a run needs for a number of profiles, from the benchmark (issue #12 "Scale"; README "Performance",
// `npm run bench -- --only sync-scale`): ExportChecks' ACX-JOB1 compares it with the job's memory.
// Real first syncs (`ac-export run`, the bundled runner, against the sandbox with --lean-contacts), the runner's own
// peak RSS (VmHWM): 339 MiB at 1,000,000 profiles, 981 MiB at 10,000,000 (the run's peak came after its last
// confirmation, while it wrote the snapshot and changes.csv). So:
//   - per profile: (981 − 339) MiB ÷ 9,000,000 = 75 bytes (the state ~52 bytes a member, the plan's rows to send 12,
//     the rest V8 heap that grows with the run);
//   - base: 339 MiB − 1,000,000 × 75 bytes ≈ 270 MiB (Node.js, the bundle, the segment reader, HTTP, batches in flight).
// So 10,000,000 profiles need about 0.96 GiB by this measure: 0.5 vCPU / 1 GiB holds them, with little headroom.

export const MEASURED_BYTES_PER_PROFILE = 75;
export const MEASURED_BASE_BYTES = 270 * 2 ** 20;

/** Bytes a run of `profiles` members needs, as measured. */
export function jobMemoryBytes(profiles: number): number {
  return MEASURED_BASE_BYTES + MEASURED_BYTES_PER_PROFILE * profiles;
}

/** "2Gi", "0.5Gi" (Container Apps' memory strings) as bytes; undefined for any other form. */
export function memoryBytes(memory: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)Gi$/.exec(memory);
  return m ? Number(m[1]) * 2 ** 30 : undefined;
}
