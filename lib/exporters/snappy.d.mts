/** Snappy block of `input`, byte for byte what hyparquet-writer's own compressor writes (see snappy.mjs). */
export function snappyCompress(input: Uint8Array): Uint8Array;
