#include <zlib.h>

/// zlib's initializers are macros Swift cannot import; these wrap them.
/// `windowBits` 15 + 32 inflates zlib and gzip streams alike (Zarr's `zlib` and
/// `gzip` compressors); 15 deflates a zlib stream, 15 + 16 a gzip one.
static inline int pz_inflate_init(z_stream *stream) { return inflateInit2(stream, 15 + 32); }
static inline int pz_deflate_init(z_stream *stream, int level, int gzip) {
    return deflateInit2(stream, level, Z_DEFLATED, gzip ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY);
}
