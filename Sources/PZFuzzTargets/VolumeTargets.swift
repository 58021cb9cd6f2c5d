import Foundation
import PZVolume

extension FuzzTarget {
    /// A Zarr v2 array's `.zarray` JSON, parsed and checked; metadata that parses
    /// decodes a chunk of zeros of its chunk shape (the bound on a chunk's size is
    /// the parser's to enforce).
    public static let zarray = FuzzTarget(name: "zarray", summary: "Zarr v2 .zarray JSON: parsed and checked") { bytes in
        guard let metadata = try? ZarrArrayMetadata(json: Data(bytes), path: "fuzz/.zarray"),
              metadata.chunkByteCount <= 1 << 22 else { return }
        _ = try? metadata.decode([UInt8](repeating: 0, count: 64), what: "fuzz/0.0.0")
    }

    /// A Zarr chunk file, decoded as a 4×16×16 float32 chunk stored raw, with
    /// zlib, with gzip and with Blosc: libz and libblosc meet hostile bytes
    /// behind pzconv's checks.
    public static let zarrChunk = FuzzTarget(name: "zarr_chunk",
                                             summary: "a Zarr chunk file, decoded as raw, zlib, gzip and Blosc chunks") { bytes in
        for compressor in [ZarrArrayMetadata.Compressor.none, .zlib(level: 1), .gzip(level: 1), .blosc] {
            let metadata = ZarrArrayMetadata(shape: [8, 32, 32], chunks: [4, 16, 16], dataType: .float32, compressor: compressor)
            _ = try? metadata.decode(bytes, what: "fuzz/0.0.0")
        }
    }

    /// The start of a NIfTI-1 or NIfTI-2 file: its header read through libnifti
    /// and checked (dimensions, datatype, offset, scaling, placement).
    public static let nifti = FuzzTarget(name: "nifti", summary: "NIfTI-1/2 header bytes: read and checked") { bytes in
        _ = try? NIfTIHeader(bytes, path: "fuzz.nii")
    }
}
