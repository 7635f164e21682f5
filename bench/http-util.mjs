// bench/http's helpers: finding tools, loopback ports, CPU time from /proc, and reading each client's result.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const HOST = "127.0.0.1"; // loopback only, for nginx and every client
const TICKS = 100; // USER_HZ of /proc stat fields on Linux

/** The path of an executable on PATH or in the sbin folders (nginx lives in /usr/sbin), or undefined. */
export function which(name) {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/local/sbin"];
  for (const d of dirs) {
    if (d && spawnSync("test", ["-x", join(d, name)]).status === 0) return join(d, name);
  }
  return undefined;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user+sys) of a live process, from /proc; 0 once it is gone. */
export function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / TICKS; // utime, stime
  } catch {
    return 0;
  }
}

/** CPU seconds of the children this process has waited for (cutime+cstime of /proc/self/stat). */
export function childrenCpu() {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[13]) + Number(f[14])) / TICKS;
}

export function childPids(ppid) {
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === ppid) pids.push(Number(name));
    } catch {
      // gone between readdir and read
    }
  }
  return pids;
}

export function parseWrk(out) {
  const total = /(\d+) requests in ([\d.]+)(ms|s|m)/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!total || !rps) return undefined;
  const errors = /Socket errors: (.*)/.exec(out)?.[1] ?? "none";
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? "0";
  return {
    requests: Number(total[1]),
    rps: Number(rps[1]),
    note: `socket errors: ${errors}; non-2xx: ${non2xx}`,
  };
}

export function parseAutocannon(out) {
  try {
    const j = JSON.parse(out.trim().split("\n").pop());
    const requests = j.requests.total;
    return {
      requests,
      rps: requests / j.duration,
      note: `errors: ${j.errors}; timeouts: ${j.timeouts}; non-2xx: ${j.non2xx}`,
    };
  } catch {
    return undefined;
  }
}

/** requests and wall_s from tracewalk's final JSON summary on stderr (wall time of the process if absent). */
export function parseTracewalk(err, wall) {
  for (const line of err.trim().split("\n").reverse()) {
    let j;
    try {
      j = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof j.requests !== "number") continue;
    const s = typeof j.wall_s === "number" && j.wall_s > 0 ? j.wall_s : wall;
    const errors = j.errors ?? j.network_errors;
    return {
      requests: j.requests,
      rps: j.requests / s,
      note: `wall_s: ${s.toFixed(2)}${errors === undefined ? "" : `; errors: ${JSON.stringify(errors)}`}`,
    };
  }
  return undefined;
}
