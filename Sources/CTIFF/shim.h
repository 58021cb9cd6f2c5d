/// libtiff (Debian's libtiff-dev, pkg-config libtiff-4) for pzconv's TIFF-stack
/// reader. TIFFGetField is variadic, which Swift cannot call: the typed helpers
/// below call it. Errors and warnings go to handlers given per open file
/// (TIFFOpenExt's options), so libtiff prints nothing and threads do not share
/// a message.
#include <tiffio.h>

static inline int pz_tiff_get_u32(TIFF *tiff, uint32_t tag, uint32_t *value) {
    return TIFFGetFieldDefaulted(tiff, tag, value);
}

static inline int pz_tiff_get_u16(TIFF *tiff, uint32_t tag, uint16_t *value) {
    return TIFFGetFieldDefaulted(tiff, tag, value);
}
