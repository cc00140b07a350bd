import { readFileSync } from "node:fs";
import os from "node:os";

/** CPU features that decide int8 and bf16 speed in onnxruntime's CPU kernels. */
export const BENCH_CPU_FLAGS = ["avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "amx_bf16"] as const;

/**
 * The CPU a benchmark ran on, so figures from different machines can be read side by side. Cloud VMs often name
 * only the brand ("AMD EPYC" for Zen 1 to Zen 4), so `cpuFamilyModel` gives x86's family/model as well (AMD: 23/1
 * Zen 1, 23/49 Zen 2, 25/1 Zen 3, 25/17 Zen 4); null where /proc/cpuinfo has none (ARM).
 */
export function benchMachine(cpuinfo = readCpuinfo()): { cpu: string; cpuFamilyModel: string | null; cpuFlags: string[] } {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, "m").exec(cpuinfo)?.[1]?.trim();
  const flags = new Set((field("flags") ?? "").split(/\s+/));
  const [family, model] = [field("cpu family"), field("model")];
  return {
    cpu: field("model name") ?? os.cpus()[0]?.model ?? "unknown",
    cpuFamilyModel: family && model ? `${family}/${model}` : null,
    cpuFlags: BENCH_CPU_FLAGS.filter((f) => flags.has(f)),
  };
}

/** User + system CPU milliseconds a process has used so far, all its threads (Linux clock ticks, 100 per second). */
export function processCpuMs(pid: number | "self" = "self"): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The whole machine's CPU time so far (/proc/stat's first line, clock ticks). */
export type MachineCpuTimes = { busy: number; idle: number; steal: number };

export function machineCpuTimes(stat = readFileSync("/proc/stat", "utf8")): MachineCpuTimes {
  // user nice system idle iowait irq softirq steal (guest time is inside user already)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = stat.split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
}

/** Busy CPU milliseconds of the whole machine (every process, all cores) between two readings. */
export function machineBusyMs(from: MachineCpuTimes, to: MachineCpuTimes): number {
  return (to.busy - from.busy) * 10;
}

/**
 * Shares of the vCPUs' time between two readings, in %. Steal is time a vCPU wanted to run while the hypervisor ran
 * something else: on a shared host it is why the same session.run drifts, and a phase with much of it reads slow.
 * Idle says whether the end-to-end part left cores unused (latency-bound) or had them all (CPU-bound).
 */
export function machineCpuShares(from: MachineCpuTimes, to: MachineCpuTimes): { busyPct: number; idlePct: number; stealPct: number } {
  const busy = to.busy - from.busy;
  const idle = to.idle - from.idle;
  const steal = to.steal - from.steal;
  const total = busy + idle + steal;
  const pct = (v: number) => (total > 0 ? Math.round((v / total) * 1000) / 10 : Number.NaN);
  return { busyPct: pct(busy), idlePct: pct(idle), stealPct: pct(steal) };
}

function readCpuinfo(): string {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
}
