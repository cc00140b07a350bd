import { describe, expect, it } from "vitest";
import { benchMachine, machineBusyMs, machineCpuShares, machineCpuTimes } from "./bench-machine";

// /proc/stat's first line: user nice system idle iowait irq softirq steal guest guest_nice
const stat = (user: number, idle: number, steal: number) => `cpu  ${user} 0 10 ${idle} 5 0 5 ${steal} 40 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n`;

describe("machine CPU shares", () => {
  it("reads busy, idle and steal from /proc/stat's first line, guest time counted once (inside user)", () => {
    expect(machineCpuTimes(stat(100, 200, 30))).toEqual({ busy: 115, idle: 205, steal: 30 });
  });

  it("splits the time between two readings into busy, idle and steal", () => {
    // 150 busy, 30 idle, 20 steal ticks in between
    expect(machineCpuShares(machineCpuTimes(stat(100, 200, 30)), machineCpuTimes(stat(250, 230, 50)))).toEqual({ busyPct: 75, idlePct: 15, stealPct: 10 });
  });

  it("turns the busy ticks between two readings into milliseconds (100 ticks a second), idle and steal left out", () => {
    expect(machineBusyMs(machineCpuTimes(stat(100, 200, 30)), machineCpuTimes(stat(250, 230, 50)))).toBe(1500);
  });

  it("reads the machine it runs on", () => {
    const a = machineCpuTimes();
    expect(a.busy + a.idle).toBeGreaterThan(0);
    expect(Number.isFinite(a.steal)).toBe(true);
  });
});

describe("benchMachine", () => {
  // /proc/cpuinfo of a 2-vCPU cloud VM: the brand alone in "model name", the generation in family/model.
  const cpuinfo = (family: string, model: string, flags: string) =>
    ["processor\t: 0", "vendor_id\t: AuthenticAMD", `cpu family\t: ${family}`, `model\t\t: ${model}`, "model name\t: AMD EPYC", `flags\t\t: fpu ${flags} sse4_2`, ""].join("\n");

  it("names the CPU by brand and family/model, with the flags that decide int8 speed", () => {
    expect(benchMachine(cpuinfo("25", "1", "avx2"))).toEqual({ cpu: "AMD EPYC", cpuFamilyModel: "25/1", cpuFlags: ["avx2"] });
    expect(benchMachine(cpuinfo("25", "17", "avx2 avx512f avx512_vnni"))).toEqual({ cpu: "AMD EPYC", cpuFamilyModel: "25/17", cpuFlags: ["avx2", "avx512f", "avx512_vnni"] });
  });

  it("gives no family/model where the CPU reports none", () => {
    expect(benchMachine("processor\t: 0\nmodel name\t: Neoverse-N1\nFeatures\t: fp asimd\n").cpuFamilyModel).toBeNull();
  });
});
