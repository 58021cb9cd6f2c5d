import Foundation
internal import CTIFF
import PZGraph

/// A directory of 2-D TIFF slices, one image per file, read through libtiff
/// (Debian's libtiff-dev) as (C, D, H, W) = (1, slices, rows, columns), the
/// slices in natural name order (slice_2 before slice_10), as Fiji and
/// tifffile's sequence readers order them.
///
/// Every slice's header is checked when the stack is opened: one sample per
/// pixel, 8 to 64 bits of unsigned, signed or float samples (libtiff returns
/// them in this machine's byte order), and the same size and type in every
/// file; a file that differs is named. A region reads only the strips or tiles
/// of its rows and columns in each of its slices (any compression libtiff
/// decodes: deflate, LZW, LZMA, PackBits, ZSTD, ...). libtiff's own messages
/// become the error's text; it prints nothing.
public final class TIFFStackReader: VolumeReader {
    public let path: String
    public let shape: [Int]
    /// The slices, in order.
    public let files: [String]
    private let dataType: ArrayDataType

    /// Whether `path` is a directory holding TIFF files (and no Zarr array).
    public static func accepts(_ path: String) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path),
              !names.contains(".zarray"), !names.contains(".zgroup") else { return false }
        return names.contains(where: isSlice)
    }

    static func isSlice(_ name: String) -> Bool {
        let lower = name.lowercased()
        return !name.hasPrefix(".") && (lower.hasSuffix(".tif") || lower.hasSuffix(".tiff"))
    }

    public init(path: String) throws {
        self.path = path
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).filter(Self.isSlice)
        } catch {
            throw VolumeError(path, "cannot list the directory")
        }
        guard !names.isEmpty else { throw VolumeError(path, "holds no .tif or .tiff slices") }
        files = Self.sortedSlices(names).map { path + "/" + $0 }
        let first = try Self.layout(of: files[0])
        for file in files.dropFirst() {
            let layout = try Self.layout(of: file)
            guard layout.width == first.width, layout.height == first.height else {
                throw VolumeError(file, "is \(layout.width) × \(layout.height) pixels; \(files[0]) is \(first.width) × \(first.height): "
                                        + "every slice of a stack has one size")
            }
            guard layout.dataType == first.dataType else {
                throw VolumeError(file, "holds \(Self.name(layout.dataType)) samples; \(files[0]) holds \(Self.name(first.dataType)): "
                                        + "every slice of a stack has one type")
            }
        }
        guard files.count <= 1 << 20 else { throw VolumeError(path, "holds \(files.count) slices, more than 2^20") }
        dataType = first.dataType
        shape = [1, files.count, first.height, first.width]
    }

    /// "16-bit unsigned", as TIFF tags describe a sample.
    static func name(_ type: ArrayDataType) -> String {
        "\(type.size * 8)-bit " + (type.kind == .float ? "float" : type.kind == .signed ? "signed" : "unsigned")
    }

    /// A slice's size and sample type, checked.
    struct Layout {
        var width: Int
        var height: Int
        var dataType: ArrayDataType
    }

    static func layout(of file: String) throws -> Layout {
        try withSlice(file) { tiff in
            var width: UInt32 = 0, height: UInt32 = 0
            var samples: UInt16 = 0, bits: UInt16 = 0, format: UInt16 = 0
            guard pz_tiff_get_u32(tiff, UInt32(TIFFTAG_IMAGEWIDTH), &width) == 1,
                  pz_tiff_get_u32(tiff, UInt32(TIFFTAG_IMAGELENGTH), &height) == 1, width > 0, height > 0 else {
                throw VolumeError(file, "has no image width and length")
            }
            guard width <= 1 << 20, height <= 1 << 20 else {
                throw VolumeError(file, "is \(width) × \(height) pixels, more than 2^20 on a side")
            }
            _ = pz_tiff_get_u16(tiff, UInt32(TIFFTAG_SAMPLESPERPIXEL), &samples)
            _ = pz_tiff_get_u16(tiff, UInt32(TIFFTAG_BITSPERSAMPLE), &bits)
            _ = pz_tiff_get_u16(tiff, UInt32(TIFFTAG_SAMPLEFORMAT), &format)
            guard samples == 1 else {
                throw VolumeError(file, "has \(samples) samples per pixel (colour?); a slice of a volume has one")
            }
            let kind: String
            switch (Int32(format), bits) {
            case (SAMPLEFORMAT_UINT, 8), (SAMPLEFORMAT_UINT, 16), (SAMPLEFORMAT_UINT, 32), (SAMPLEFORMAT_UINT, 64): kind = "u"
            case (SAMPLEFORMAT_INT, 8), (SAMPLEFORMAT_INT, 16), (SAMPLEFORMAT_INT, 32), (SAMPLEFORMAT_INT, 64): kind = "i"
            case (SAMPLEFORMAT_IEEEFP, 16), (SAMPLEFORMAT_IEEEFP, 32), (SAMPLEFORMAT_IEEEFP, 64): kind = "f"
            default:
                throw VolumeError(file, "has \(bits)-bit samples of format \(format); pzconv reads 8 to 64-bit "
                                        + "unsigned, signed or float samples")
            }
            guard TIFFNumberOfDirectories(tiff) == 1 else {
                throw VolumeError(file, "holds \(TIFFNumberOfDirectories(tiff)) images; a slice holds one (split a multi-page TIFF into slices)")
            }
            let order = bits == 8 ? "|" : "<"
            return Layout(width: Int(width), height: Int(height),
                          dataType: try ArrayDataType(numpy: "\(order)\(kind)\(bits / 8)", path: file))
        }
    }

    public func read(_ box: VolumeBox) throws -> [Float] {
        let (height, width) = (shape[2], shape[3])
        var result = [Float](repeating: 0, count: box.voxelCount)
        let rowValues = box.size[2]
        for d in box.origin[0]..<box.end[0] {
            try Self.withSlice(files[d]) { tiff in
                let sliceStart = (d - box.origin[0]) * box.size[1] * rowValues
                try Self.readRegion(tiff, file: files[d], rows: box.origin[1]..<box.end[1], columns: box.origin[2]..<box.end[2],
                                    height: height, width: width, dataType: dataType) { row, values in
                    let target = sliceStart + (row - box.origin[1]) * rowValues
                    result.withUnsafeMutableBufferPointer { buffer in
                        for (index, value) in values.enumerated() { buffer[target + index] = value }
                    }
                }
            }
        }
        return result
    }

    /// Decodes the strips or tiles holding `rows` × `columns` of one slice and
    /// hands each row's values (`columns` of them, float32) to `deliver`.
    private static func readRegion(_ tiff: OpaquePointer, file: String, rows: Range<Int>, columns: Range<Int>, height: Int,
                                   width: Int, dataType: ArrayDataType, deliver: (Int, [Float]) -> Void) throws {
        let size = dataType.size
        if TIFFIsTiled(tiff) != 0 {
            var tileWidth: UInt32 = 0, tileLength: UInt32 = 0
            _ = pz_tiff_get_u32(tiff, UInt32(TIFFTAG_TILEWIDTH), &tileWidth)
            _ = pz_tiff_get_u32(tiff, UInt32(TIFFTAG_TILELENGTH), &tileLength)
            let (tw, tl) = (Int(tileWidth), Int(tileLength))
            guard tw > 0, tl > 0, tw <= 1 << 16, tl <= 1 << 16 else { throw VolumeError(file, "has tiles of \(tw) × \(tl) pixels") }
            var tile = [UInt8](repeating: 0, count: tw * tl * size)
            var rowsOut = [[Float]](repeating: [Float](repeating: 0, count: columns.count), count: rows.count)
            for tileY in stride(from: rows.lowerBound / tl * tl, to: rows.upperBound, by: tl) {
                for tileX in stride(from: columns.lowerBound / tw * tw, to: columns.upperBound, by: tw) {
                    let number = TIFFComputeTile(tiff, UInt32(tileX), UInt32(tileY), 0, 0)
                    let read = tile.withUnsafeMutableBytes { TIFFReadEncodedTile(tiff, number, $0.baseAddress, tmsize_t($0.count)) }
                    guard read >= 0 else { throw decodeError(file, "tile \(number)") }
                    tile.withUnsafeBytes { bytes in
                        for y in max(tileY, rows.lowerBound)..<min(tileY + tl, rows.upperBound) {
                            for x in max(tileX, columns.lowerBound)..<min(tileX + tw, columns.upperBound) {
                                rowsOut[y - rows.lowerBound][x - columns.lowerBound] =
                                    dataType.value(bytes, at: (y - tileY) * tw + (x - tileX))
                            }
                        }
                    }
                }
            }
            for (offset, values) in rowsOut.enumerated() { deliver(rows.lowerBound + offset, values) }
            return
        }
        var rowsPerStrip: UInt32 = 0
        _ = pz_tiff_get_u32(tiff, UInt32(TIFFTAG_ROWSPERSTRIP), &rowsPerStrip)
        let stripRows = min(max(Int(rowsPerStrip), 1), height)
        guard stripRows * width * size <= 1 << 30 else {
            throw VolumeError(file, "has strips of \(stripRows) rows of \(width) pixels, more than 1 GiB each: "
                                    + "rewrite it with smaller strips or tiles")
        }
        var strip = [UInt8](repeating: 0, count: stripRows * width * size)
        var stripStart = rows.lowerBound / stripRows * stripRows
        while stripStart < rows.upperBound {
            let number = TIFFComputeStrip(tiff, UInt32(stripStart), 0)
            let read = strip.withUnsafeMutableBytes { TIFFReadEncodedStrip(tiff, number, $0.baseAddress, tmsize_t($0.count)) }
            let rowsInStrip = min(stripRows, height - stripStart)
            guard read >= rowsInStrip * width * size else { throw decodeError(file, "strip \(number)") }
            strip.withUnsafeBytes { bytes in
                for y in max(stripStart, rows.lowerBound)..<min(stripStart + stripRows, rows.upperBound) {
                    let first = (y - stripStart) * width
                    deliver(y, columns.map { dataType.value(bytes, at: first + $0) })
                }
            }
            stripStart += stripRows
        }
    }

    private static func decodeError(_ file: String, _ part: String) -> VolumeError {
        VolumeError(file, "cannot decode \(part)")
    }

    /// Opens `file` with libtiff for `body`, closing it after. libtiff's messages
    /// about this file are kept (not printed), and the last one ends the error
    /// that opening or `body` throws.
    private static func withSlice<T>(_ file: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        let messages = SliceMessages()
        guard let options = TIFFOpenOptionsAlloc() else { throw VolumeError(file, "libtiff cannot allocate its options") }
        defer { TIFFOpenOptionsFree(options) }
        let context = Unmanaged.passUnretained(messages).toOpaque()
        TIFFOpenOptionsSetErrorHandlerExtR(options, { _, context, _, format, arguments in
            guard let context, let format, let arguments else { return 1 }
            Unmanaged<SliceMessages>.fromOpaque(context).takeUnretainedValue().record(format, arguments)
            return 1
        }, context)
        TIFFOpenOptionsSetWarningHandlerExtR(options, { _, _, _, _, _ in 1 }, context)
        return try withExtendedLifetime(messages) {
            guard let tiff = TIFFOpenExt(file, "r", options) else {
                throw VolumeError(file, "is not a TIFF file libtiff can open" + (messages.last.map { ": \($0)" } ?? ""))
            }
            defer { TIFFClose(tiff) }
            do {
                return try body(tiff)
            } catch let error as VolumeError {
                throw messages.last.map { VolumeError("\(error): \($0)") } ?? error
            }
        }
    }
}

/// The last message libtiff gave about one open file.
private final class SliceMessages {
    var last: String?

    func record(_ format: UnsafePointer<CChar>, _ arguments: CVaListPointer) {
        var buffer = [CChar](repeating: 0, count: 512)
        _ = vsnprintf(&buffer, buffer.count, format, arguments)
        last = String(cString: buffer)
    }
}

extension TIFFStackReader {
    /// Slice names in natural order: runs of digits compare as numbers (slice_2 < slice_10).
    public static func sortedSlices(_ names: [String]) -> [String] { names.sorted(by: naturalOrder) }
}

/// Whether `left` comes before `right` in natural order.
private func naturalOrder(_ left: String, _ right: String) -> Bool {
    func parts(_ text: String) -> [(isNumber: Bool, text: String)] {
        var result: [(Bool, String)] = []
        for character in text {
            let digit = character.isASCII && character.isNumber
            if let last = result.last, last.0 == digit {
                result[result.count - 1].1.append(character)
            } else {
                result.append((digit, String(character)))
            }
        }
        return result
    }
    let (a, b) = (parts(left), parts(right))
    for (x, y) in zip(a, b) where x.text != y.text {
        if x.isNumber && y.isNumber {
            let (trimmedX, trimmedY) = (x.text.drop { $0 == "0" }, y.text.drop { $0 == "0" })
            if trimmedX.count != trimmedY.count { return trimmedX.count < trimmedY.count }
            if trimmedX != trimmedY { return trimmedX < trimmedY }
            continue
        }
        return x.text < y.text
    }
    return a.count != b.count ? a.count < b.count : left < right
}
