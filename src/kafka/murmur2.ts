/**
 * Java's `Utils.murmur2` (Kafka's default partitioner) over bytes, in 32-bit integer arithmetic. The
 * libraries compute the same hash (kafkajs in its Java-compatible partitioner, @platformatic/kafka in
 * BigInt arithmetic, ~2 % of the producer thread's time); computing it while the key's bytes are written
 * (`thread-protocol.ts`, on the generating thread, which waits on the producer thread) spares that.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** The hash of `bytes[start, end)`, as Java's signed int. */
export function murmur2(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const length = end - start;
  let h = SEED ^ length;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = end - i;
  if (rest > 0) {
    if (rest === 3) h ^= bytes[i + 2]! << 16;
    if (rest >= 2) h ^= bytes[i + 1]! << 8;
    h ^= bytes[i]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition of a keyed record before the modulo by the topic's partition count, as Java's default
 * partitioner (and kafkajs's Java-compatible one, and @platformatic/kafka's `compatibilityPartitioner`)
 * places it: the hash's low 31 bits.
 */
export function keyPartitionHash(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return murmur2(bytes, start, end) & 0x7fffffff;
}
