import seedrandom from "seedrandom";

/** A uniform draw in [0, 1). */
export type Rng = () => number;

const INV_2_32 = 2.3283064365386963e-10;

/** A 32-bit integer finalizer (lowbias32): every input bit affects every output bit. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hashes the run's seed (a number or string) to a 32-bit key, once per run. */
export function seedKey(seed: number | string): number {
  const s = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = mix32(h ^ s.charCodeAt(i)) ^ i;
  return mix32(h);
}

/** Counter-based uniform in [0, 1) from (key, a, b, c): cheap, stateless, used for planning. */
export function hashUniform(key: number, a: number, b: number, c: number): number {
  return hashUniformAt(hashHead(key, a), b, hashTag(c));
}

/**
 * hashUniform in steps, for draws that share their first arguments: hashHead(key, a) and hashTag(c)
 * made once, then hashUniformAt(head, b, tag) is hashUniform(key, a, b, c), in half the mixing.
 */
export function hashHead(key: number, a: number): number {
  return mix32(key ^ mix32(a + 0x9e3779b9));
}

/** hashUniform's last argument, mixed (see hashHead). */
export function hashTag(c: number): number {
  return mix32(c + 0xc2b2ae35);
}

/** hashUniform(key, a, b, c) from hashHead(key, a) and hashTag(c). */
export function hashUniformAt(head: number, b: number, tag: number): number {
  return mix32(mix32(head ^ mix32(b + 0x85ebca6b)) ^ tag) * INV_2_32;
}

/** The state of a seedrandom Alea generator, as `seedrandom.alea(seed, {state: true}).state()` gives it. */
export interface AleaState {
  c: number;
  s0: number;
  s1: number;
  s2: number;
}

/**
 * The state of one of a session's streams, derived by hashing (seed, user, session, stream). Deriving
 * the state instead of seeding from a string keeps a stream's start near 100 ns.
 */
export function aleaState(key: number, user: number, session: number, stream: number): AleaState {
  // hashUniform(key, user, session, stream + i), the mixing of (key, user, session) done once.
  const h = mix32(hashHead(key, user) ^ mix32(session + 0x85ebca6b));
  return {
    c: 1,
    s0: mix32(h ^ hashTag(stream)) * INV_2_32,
    s1: mix32(h ^ hashTag(stream + 1)) * INV_2_32,
    s2: mix32(h ^ hashTag(stream + 2)) * INV_2_32,
  };
}

/**
 * One step of seedrandom's Alea on a plain state object: the same numbers as
 * `seedrandom.alea("", {state})()`, without the closures seedrandom allocates per generator
 * (about 450 bytes each, which a million idle sessions would pay). A test checks the equality.
 */
export function aleaNext(a: AleaState): number {
  const t = 2091639 * a.s0 + a.c * 2.3283064365386963e-10;
  a.s0 = a.s1;
  a.s1 = a.s2;
  a.c = t | 0;
  a.s2 = t - a.c;
  return a.s2;
}

/** An integer uniformly in [min, max], one draw from `a`. */
export function aleaInt(a: AleaState, min: number, max: number): number {
  return min + Math.floor(aleaNext(a) * (max - min + 1));
}

/** A standard normal (Box–Muller), two draws from `a`. */
export function aleaNormal(a: AleaState): number {
  const u = 1 - aleaNext(a);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * aleaNext(a));
}

/** A seedrandom Alea generator with a derived state (reference implementation, used in tests). */
export function seedrandomAlea(state: AleaState): Rng {
  return seedrandom.alea("", { state: { ...state } });
}

/** Index into a cumulative distribution (last entry 1): the first i with u < cum[i]. */
export function pickCumulative(cum: Float64Array, u: number): number {
  const last = cum.length - 1;
  for (let i = 0; i < last; i++) if (u < cum[i]!) return i;
  return last;
}
