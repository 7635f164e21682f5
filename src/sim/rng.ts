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
  let h = mix32(key ^ mix32(a + 0x9e3779b9));
  h = mix32(h ^ mix32(b + 0x85ebca6b));
  h = mix32(h ^ mix32(c + 0xc2b2ae35));
  return h * INV_2_32;
}

/**
 * The RNG stream of one session: seedrandom's Alea, its state derived by hashing (seed, user, session).
 * Deriving the state instead of seeding from a string keeps a stream's start cost near 100 ns.
 */
export function sessionRng(key: number, user: number, session: number): Rng {
  const s0 = hashUniform(key, user, session, 1);
  const s1 = hashUniform(key, user, session, 2);
  const s2 = hashUniform(key, user, session, 3);
  return seedrandom.alea("", { state: { c: 1, s0, s1, s2 } });
}

/** A standard normal draw (Box–Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** An integer uniformly in [min, max]. */
export function intBetween(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** Index into a cumulative distribution (last entry 1): the first i with u < cum[i]. */
export function pickCumulative(cum: Float64Array, u: number): number {
  const last = cum.length - 1;
  for (let i = 0; i < last; i++) if (u < cum[i]!) return i;
  return last;
}
