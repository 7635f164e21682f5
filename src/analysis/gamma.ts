/**
 * Log-gamma and the regularized incomplete gamma functions (Numerical Recipes, 3rd ed., §6.1–6.2),
 * enough for chi-square p-values without a dependency.
 */

// The Lanczos coefficients of Numerical Recipes' gammln, written as the doubles they round to.
const LANCZOS = [
  57.15623566586292, -59.59796035547549, 14.136097974741746, -0.4919138160976202, 3.399464998481189e-5,
  4.652362892704858e-5, -9.837447530487956e-5, 1.580887032249125e-4, -2.1026444172410488e-4,
  2.1743961811521265e-4, -1.643181065367639e-4, 8.441822398385275e-5, -2.6190838401581408e-5,
  3.6899182659531625e-6,
];
const EPS = Number.EPSILON;
const FPMIN = Number.MIN_VALUE / EPS;

/** ln Γ(x) for x > 0, accurate to about 1e-15 relative. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: x must be > 0, got ${x}`);
  let y = x;
  let tmp = x + 5.2421875;
  tmp = (x + 0.5) * Math.log(tmp) - tmp;
  let ser = 0.9999999999999971;
  for (const c of LANCZOS) ser += c / ++y;
  return tmp + Math.log((2.5066282746310007 * ser) / x);
}

// Both expansions need O(sqrt(a)) terms for large a; the cap only guards against a non-finite input.
function maxIterations(a: number): number {
  return 1000 + Math.ceil(100 * Math.sqrt(a));
}

function prefactor(a: number, x: number): number {
  return Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** P(a, x) by its series; converges quickly for x < a + 1. */
function seriesP(a: number, x: number): number {
  let ap = a;
  let del = 1 / a;
  let sum = del;
  const limit = maxIterations(a);
  for (let i = 0; i < limit; i++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) return sum * prefactor(a, x);
  }
  throw new RangeError(`incomplete gamma series did not converge (a=${a}, x=${x})`);
}

/** Q(a, x) by its continued fraction (modified Lentz); converges quickly for x >= a + 1. */
function continuedFractionQ(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  const limit = maxIterations(a);
  for (let i = 1; i <= limit; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= EPS) return prefactor(a, x) * h;
  }
  throw new RangeError(`incomplete gamma continued fraction did not converge (a=${a}, x=${x})`);
}

function checkArgs(a: number, x: number): void {
  if (!(a > 0) || !Number.isFinite(a))
    throw new RangeError(`incomplete gamma: a must be finite and > 0, got ${a}`);
  if (!(x >= 0)) throw new RangeError(`incomplete gamma: x must be >= 0, got ${x}`);
}

/** Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), for a > 0 and x >= 0. */
export function regularizedGammaP(a: number, x: number): number {
  checkArgs(a, x);
  if (x === 0) return 0;
  if (x === Number.POSITIVE_INFINITY) return 1;
  return x < a + 1 ? seriesP(a, x) : 1 - continuedFractionQ(a, x);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), computed directly in its tail. */
export function regularizedGammaQ(a: number, x: number): number {
  checkArgs(a, x);
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return x < a + 1 ? 1 - seriesP(a, x) : continuedFractionQ(a, x);
}

/** Survival function of the chi-square distribution: P(X >= x) for X ~ χ²(df); 1 when df is 0. */
export function chiSquareSf(x: number, df: number): number {
  if (!Number.isInteger(df) || df < 0)
    throw new RangeError(`chiSquareSf: df must be an integer >= 0, got ${df}`);
  if (Number.isNaN(x)) throw new RangeError("chiSquareSf: x is NaN");
  if (df === 0 || x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}
