/**
 * A small seeded pseudo-random generator (mulberry32), so that a seed always yields the same data set:
 * benchmark runs are comparable and a failing import can be reproduced.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Zero-padded decimal digits. */
  digits(count: number): string {
    let s = '';
    for (let i = 0; i < count; i++) s += String(this.int(0, 9));
    return s;
  }

  /** An RFC 4122 version-4-shaped UUID drawn from this generator (deterministic, unlike crypto.randomUUID). */
  uuid(): string {
    const hex: string[] = [];
    for (let i = 0; i < 32; i++) hex.push(this.int(0, 15).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** A DICOM UID under the 2.25 root (a UUID as a decimal integer), at most 64 characters. */
  dicomUid(): string {
    return `2.25.${BigInt(`0x${this.uuid().replace(/-/g, '')}`).toString(10)}`;
  }

  /** A date-time between two instants, as an ISO string with the Paris offset of that season. */
  dateTimeBetween(from: Date, to: Date): string {
    const t = from.getTime() + Math.floor(this.next() * (to.getTime() - from.getTime()));
    return new Date(t).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  }
}
