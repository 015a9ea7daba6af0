/** Names a dictionary holds before it starts over (bounds its memory on both threads). */
export const MAX_DICTIONARY_NAMES = 250_000;

/**
 * Characters a dictionary holds before it starts over: names may be up to
 * ingest.max-string-bytes long, so a count alone would let a few hundred long names per request
 * pin gigabytes on the main thread.
 */
export const MAX_DICTIONARY_CHARS = 32 * 1024 * 1024;

/** A profile's names as sent from a decode worker: ids into the worker's dictionary. */
export interface EncodedNames {
  /** Dictionary id of each of the profile's names, in the profile's order. */
  readonly refs: Int32Array;
  /** Names new to the dictionary; they take the next ids, in this order. */
  readonly added: string[];
  /** The dictionary started over before `added` (the receiver must forget its copy). */
  readonly reset: boolean;
}

/**
 * Worker side of a per-worker name dictionary: each distinct frame name crosses to the main
 * thread once, not with every profile (a Go profile repeats ~500 names), and the main thread
 * looks names up by the same string objects each time, whose hashes V8 keeps.
 */
export class NameEncoder {
  readonly #ids = new Map<string, number>();
  readonly #max: number;
  readonly #maxChars: number;
  #chars = 0;

  constructor(maxNames = MAX_DICTIONARY_NAMES, maxChars = MAX_DICTIONARY_CHARS) {
    this.#max = maxNames;
    this.#maxChars = maxChars;
  }

  encode(names: readonly string[]): EncodedNames {
    let reset = false;
    let chars = 0;
    for (const name of names) chars += name.length;
    if (this.#ids.size + names.length > this.#max || this.#chars + chars > this.#maxChars) {
      this.#ids.clear();
      this.#chars = 0;
      reset = true;
    }
    const refs = new Int32Array(names.length);
    const added: string[] = [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      let id = this.#ids.get(name);
      if (id === undefined) {
        id = this.#ids.size;
        this.#ids.set(name, id);
        this.#chars += name.length;
        added.push(name);
      }
      refs[i] = id;
    }
    return { refs, added, reset };
  }
}

/** Main-thread side of one worker's dictionary (a new worker starts a new decoder). */
export class NameDecoder {
  #names: string[] = [];

  decode(encoded: EncodedNames): string[] {
    if (encoded.reset) this.#names = [];
    for (const n of encoded.added) this.#names.push(n);
    const table = this.#names;
    const out = new Array<string>(encoded.refs.length);
    for (let i = 0; i < encoded.refs.length; i++) {
      const name = table[encoded.refs[i]!];
      if (name === undefined) throw new Error(`decode worker sent name id ${encoded.refs[i]} but its dictionary has ${table.length} names`);
      out[i] = name;
    }
    return out;
  }
}
