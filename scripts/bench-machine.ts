import { readFileSync } from "node:fs";
import os from "node:os";

/** CPU features that decide int8 and bf16 speed in onnxruntime's CPU kernels. */
export const BENCH_CPU_FLAGS = ["avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "amx_bf16"] as const;

/** The CPU a benchmark ran on, so figures from different machines can be read side by side. */
export function benchMachine(cpuinfo = readCpuinfo()): { cpu: string; cpuFlags: string[] } {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, "m").exec(cpuinfo)?.[1]?.trim();
  const flags = new Set((field("flags") ?? "").split(/\s+/));
  return {
    cpu: field("model name") ?? os.cpus()[0]?.model ?? "unknown",
    cpuFlags: BENCH_CPU_FLAGS.filter((f) => flags.has(f)),
  };
}

/** User + system CPU milliseconds a process has used so far, all its threads (Linux clock ticks, 100 per second). */
export function processCpuMs(pid: number | "self" = "self"): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function readCpuinfo(): string {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
}
