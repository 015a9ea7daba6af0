import { UnprocessableError } from '../errors.js';

/** Protobuf wire types. Groups (3, 4) are not used by pprof and are rejected. */
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/**
 * A bounds-checked cursor over protobuf bytes. Every read checks it stays inside `[pos, end)`;
 * anything malformed (truncated varint, length past the end, unknown wire type) throws
 * `UnprocessableError` `KPROF_INGEST_BAD_PPROF` naming the offset. Varints are read as JS
 * numbers: exact up to 2^53, and 10-byte negative int64 values are decoded as negative numbers.
 */
export class ProtobufReader {
  pos: number;
  end: number;
  readonly buf: Uint8Array;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** Points this reader at `[start, end)` of the same bytes (hot loops reuse one reader per message kind). */
  at(start: number, end: number): this {
    this.pos = start;
    this.end = end;
    return this;
  }

  /** Reads an unsigned varint (int64 two's complement for 10-byte values). */
  varint(): number {
    const start = this.pos;
    let pos = this.pos;
    // Fast path: up to 4 bytes fit in 28 bits, all arithmetic stays in int32.
    let b = this.byteAt(pos++);
    let result = b & 0x7f;
    if (b < 0x80) {
      this.pos = pos;
      return result;
    }
    b = this.byteAt(pos++);
    result |= (b & 0x7f) << 7;
    if (b < 0x80) {
      this.pos = pos;
      return result;
    }
    b = this.byteAt(pos++);
    result |= (b & 0x7f) << 14;
    if (b < 0x80) {
      this.pos = pos;
      return result;
    }
    b = this.byteAt(pos++);
    result |= (b & 0x7f) << 21;
    if (b < 0x80) {
      this.pos = pos;
      return result;
    }
    // Slow path: bytes 5..10 with float arithmetic; the 10th byte only carries bit 63.
    let mul = 2 ** 28;
    let value = result;
    let hiBytes = 0;
    for (let i = 4; i < 10; i++) {
      b = this.byteAt(pos++);
      if (i === 9) {
        if (b > 1) throw this.error(`varint longer than 64 bits at offset ${pos - 1}`);
        hiBytes = b;
      } else {
        value += (b & 0x7f) * mul;
        mul *= 128;
      }
      if (b < 0x80) {
        this.pos = pos;
        // Bit 63 set: a negative int64 (two's complement). Floats cannot hold 2^63 - n exactly,
        // so this rare case is redone with BigInt.
        return hiBytes === 1 ? this.negativeVarint(start, pos) : value;
      }
    }
    throw this.error(`varint longer than 10 bytes at offset ${pos}`);
  }

  private negativeVarint(start: number, end: number): number {
    let v = 0n;
    for (let i = end - 1; i >= start; i--) v = (v << 7n) | BigInt((this.buf[i] as number) & 0x7f);
    return Number(BigInt.asIntN(64, v));
  }

  /** Reads a field key; returns `fieldNumber * 8 + wireType` as protobuf encodes it. */
  key(): number {
    return this.varint();
  }

  /** Reads a length prefix and returns the end offset of the delimited bytes. */
  lengthEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (len < 0 || end > this.end) {
      throw this.error(`length ${len} at offset ${this.pos} runs past the end of its message (${this.end})`);
    }
    return end;
  }

  /** Skips a field's value of wire type `wire`. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.pos = this.lengthEnd();
        return;
      case WIRE_I32:
        this.advance(4);
        return;
      default:
        throw this.error(`unsupported wire type ${wire} at offset ${this.pos}`);
    }
  }

  /** Calls `each` for every value of a repeated varint field (packed or one unpacked value). */
  repeatedVarint(wire: number, each: (v: number) => void): void {
    if (wire === WIRE_VARINT) {
      each(this.varint());
      return;
    }
    if (wire !== WIRE_LEN) throw this.error(`repeated integer field has wire type ${wire} at offset ${this.pos}`);
    const end = this.lengthEnd();
    while (this.pos < end) each(this.varint());
    // A varint may only overrun the packed field, never the message: varint() bounds by `end`
    // of the message, so check the packed field's own end here.
    if (this.pos !== end) throw this.error(`packed field overruns its length at offset ${end}`);
  }

  /** Builds the error thrown for malformed input. */
  error(detail: string): UnprocessableError {
    return new UnprocessableError('KPROF_INGEST_BAD_PPROF', `cannot decode pprof protobuf: ${detail}; send a valid (optionally gzipped) pprof profile`);
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw this.error(`truncated fixed-width field at offset ${this.pos}`);
    this.pos += n;
  }

  private byteAt(i: number): number {
    if (i >= this.end) throw this.error(`truncated varint at offset ${i}`);
    return this.buf[i] as number;
  }
}
